from django.urls import path

from cercles.methods import views

app_name = "methods"

urlpatterns = [
    path("methodes/", views.method_list, name="list"),
    path("methodes/<slug:slug>/", views.method_detail, name="detail"),
    path("methodes/<slug:slug>/<slug:protocol_key>/modifier/", views.method_edit, name="edit"),
    path("cercles/<int:circle_id>/methode/", views.circle_method, name="circle"),
    path("cercles/<int:circle_id>/methode/<slug:protocol_key>/adapter/", views.circle_method_adapt, name="adapt"),
]
