from django.urls import path

from . import views
from .porting import views as porting_views
from .regulatory import views as regulatory_views
from .trunks import views as trunk_views
from .voice import views as voice_views

urlpatterns = [
    path("", views.search, name="number_search"),
    path("cart/", views.cart, name="number_cart"),
    path("cart/add/", views.cart_add, name="number_cart_add"),
    path("cart/remove/", views.cart_remove, name="number_cart_remove"),
    path("checkout/", views.checkout, name="number_checkout"),
    path("orders/", views.order_list, name="number_orders"),
    path("orders/<int:order_id>/", views.order_detail, name="number_order"),
    path("mine/", views.number_list, name="number_list"),
    path("mine/bulk/", views.number_bulk, name="number_bulk"),
    path("mine/<int:number_id>/", views.number_detail, name="number_detail"),
    path("mine/<int:number_id>/route/", trunk_views.number_route, name="number_route"),
    path("mine/<int:number_id>/test-call/", voice_views.number_test_call, name="number_test_call"),
    path("mine/<int:number_id>/test-call/daily/", voice_views.number_sweep_skip, name="number_sweep_skip"),
    path("mine/<int:number_id>/release/", views.number_release, name="number_release"),
    path("mine/<int:number_id>/compliance/", regulatory_views.number_compliance, name="number_compliance"),
    path("compliance/", regulatory_views.compliance_list, name="compliance_list"),
    path("compliance/<int:profile_id>/", regulatory_views.compliance_detail, name="compliance_detail"),
    path("compliance/<int:profile_id>/upload/", regulatory_views.compliance_upload, name="compliance_upload"),
    path("compliance/<int:profile_id>/submit/", regulatory_views.compliance_submit, name="compliance_submit"),
    path("compliance/<int:profile_id>/delete/", regulatory_views.compliance_delete, name="compliance_delete"),
    path(
        "compliance/<int:profile_id>/documents/<int:document_id>/delete/",
        regulatory_views.compliance_document_delete,
        name="compliance_document_delete",
    ),
    path("documents/<int:document_id>/", regulatory_views.document_download, name="document_download"),
    path("porting/", porting_views.port_list, name="port_list"),
    path("porting/new/", porting_views.port_new, name="port_new"),
    path("porting/<int:port_id>/", porting_views.port_detail, name="port_detail"),
    path("porting/<int:port_id>/cancel/", porting_views.port_cancel, name="port_cancel"),
    path("porting/<int:port_id>/upload/", porting_views.port_upload, name="port_upload"),
]

# Mounted at /trunks/ by portal/urls.py.
trunk_patterns = [
    path("", trunk_views.trunk_list, name="trunk_list"),
    path("registration/", trunk_views.trunk_registration, name="trunk_registration"),
    path("<int:trunk_id>/", trunk_views.trunk_detail, name="trunk_detail"),
    path("<int:trunk_id>/regenerate/", trunk_views.trunk_regenerate, name="trunk_regenerate"),
    path("<int:trunk_id>/delete/", trunk_views.trunk_delete, name="trunk_delete"),
]
