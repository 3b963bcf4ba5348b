from django.urls import path

from cercles.privacy import views

app_name = "privacy"

urlpatterns = [
    path("profil/mes-donnees/", views.my_data, name="my_data"),
    path("profil/mes-donnees.json", views.my_data_json, name="my_data_json"),
    path("profil/supprimer-mon-compte/", views.account_delete, name="account_delete"),
    # Under /coordination/, with the coordination pages' protections (second factor included).
    path("coordination/personnes/<int:person_id>/effacer/", views.person_erase, name="person_erase"),
]
