from django.urls import path

from cercles.rooms import views

app_name = "rooms"

urlpatterns = [
    path("seances/<int:meeting_id>/salle/", views.room_page, name="room"),
    path("seances/<int:meeting_id>/salle/etat/", views.snapshot, name="snapshot"),
    path("seances/<int:meeting_id>/salle/commande/", views.command, name="command"),
]
