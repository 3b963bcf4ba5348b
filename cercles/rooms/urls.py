from django.urls import path

from cercles.rooms import views_writing

app_name = "rooms"

urlpatterns = [
    path("seances/<int:meeting_id>/salle/ecrit/", views_writing.write, name="write"),
    path("seances/<int:meeting_id>/salle/ecrit/partager/", views_writing.share, name="share"),
    path("seances/<int:meeting_id>/compte-rendu/", views_writing.summary, name="summary"),
    path("seances/<int:meeting_id>/client/", views_writing.client, name="client"),
]
