from django.urls import path

from cercles.formation import views

app_name = "formation"

urlpatterns = [
    path("appels/", views.call_list, name="calls"),
    path("appels/<int:call_id>/", views.apply, name="apply"),
    path("appels/<int:call_id>/retirer/", views.withdraw, name="withdraw"),
    path("places/<int:application_id>/", views.seat, name="seat"),
    path("formation/", views.manage_list, name="manage_list"),
    path("formation/nouvel-appel/", views.call_create, name="call_create"),
    path("formation/appels/<int:call_id>/", views.manage, name="manage"),
    path("formation/appels/<int:call_id>/modifier/", views.call_edit, name="call_edit"),
    path("formation/appels/<int:call_id>/calculer/", views.run_start, name="run_start"),
    path("formation/calculs/<int:run_id>/", views.run, name="run"),
    path("formation/calculs/<int:run_id>/progression/", views.run_progress, name="run_progress"),
    path("formation/calculs/<int:run_id>/annuler/", views.run_cancel, name="run_cancel"),
    path("formation/calculs/<int:run_id>/apercu/", views.run_preview, name="run_preview"),
    path("formation/calculs/<int:run_id>/modifier/", views.run_edit, name="run_edit"),
    path("formation/calculs/<int:run_id>/groupes/<int:group>/garder/", views.run_lock, name="run_lock"),
    path("formation/calculs/<int:run_id>/relancer/", views.run_rerun, name="run_rerun"),
    path("formation/calculs/<int:run_id>/rejouer/", views.run_replay, name="run_replay"),
    path("formation/calculs/<int:run_id>/publier/", views.publish, name="publish"),
    path("formation/appels/<int:call_id>/deplacer/", views.placement_move, name="placement_move"),
]
