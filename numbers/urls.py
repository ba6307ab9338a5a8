from django.urls import path

from . import views

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
    path("mine/<int:number_id>/release/", views.number_release, name="number_release"),
]
