from django.urls import path

from cercles.rooms import views, views_writing

app_name = "rooms"

urlpatterns = [
    path("seances/<int:meeting_id>/salle/", views.room_page, name="room"),
    path("seances/<int:meeting_id>/salle/etat/", views.snapshot, name="snapshot"),
    path("seances/<int:meeting_id>/salle/commande/", views.command, name="command"),
    path("seances/<int:meeting_id>/salle/projection/", views.projector, name="projector"),
    path("seances/<int:meeting_id>/salle/ecrit/", views_writing.write, name="write"),
    path("seances/<int:meeting_id>/salle/ecrit/partager/", views_writing.share, name="share"),
    path("seances/<int:meeting_id>/compte-rendu/", views_writing.summary, name="summary"),
    path("seances/<int:meeting_id>/client/", views_writing.client, name="client"),
]
