from django.urls import path

from cercles.reminders import views

app_name = "reminders"

urlpatterns = [
    path("e/reponse/<str:token>/", views.rsvp, name="rsvp"),
    path("e/rappels/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("cercles/<int:circle_id>/rappels/", views.circle_settings, name="settings"),
    path("cercles/<int:circle_id>/ecrire/", views.write_members, name="write"),
    path("mes-rappels/", views.my_reminders, name="mine"),
]
