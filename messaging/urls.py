from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="sms_inbox"),
    path("compose/", views.compose, name="sms_compose"),
    path("compose/quote/", views.quote, name="sms_quote"),
    path("threads/", views.thread_list, name="sms_threads"),
    path("threads/<int:number_id>/<str:contact>/", views.thread_detail, name="sms_thread"),
    path("numbers/<int:number_id>/sms/", views.number_sms, name="number_sms"),
]
