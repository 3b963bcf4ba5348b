from django.urls import path

from cercles.meetings import views

app_name = "meetings"

urlpatterns = [
    path("cercles/<int:circle_id>/seances/", views.circle_meetings, name="circle"),
    path("cercles/<int:circle_id>/seances/planifier/", views.plan, name="plan"),
    path("cercles/<int:circle_id>/seances/ajouter/", views.add, name="add"),
    path("cercles/<int:circle_id>/creneaux/", views.poll_create, name="poll_create"),
    path("cercles/<int:circle_id>/attestation.pdf", views.attestation, name="attestation"),
    path("seances/<int:meeting_id>/modifier/", views.edit, name="edit"),
    path("seances/<int:meeting_id>/annuler/", views.cancel, name="cancel"),
    path("seances/<int:meeting_id>/rejoindre", views.join, name="join"),
    path("seances/<int:meeting_id>/seance.ics", views.meeting_ics, name="ics"),
    path("seances/<int:meeting_id>/reponse/", views.rsvp, name="rsvp"),
    path("seances/<int:meeting_id>/presences/", views.attendance, name="attendance"),
    path("creneaux/<int:poll_id>/", views.poll, name="poll"),
    path("creneaux/<int:poll_id>/choisir/", views.poll_pick, name="poll_pick"),
    path("mes-seances/", views.upcoming, name="upcoming"),
    path("mon-agenda/", views.my_calendar, name="my_calendar"),
    path("agenda/<str:token>.ics", views.feed, name="feed"),
    path("programme/seances/", views.programme_calendar, name="programme_calendar"),
]
