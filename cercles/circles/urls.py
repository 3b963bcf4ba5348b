from django.urls import path

from cercles.circles import views

app_name = "circles"

urlpatterns = [
    path("", views.home, name="home"),
    path("cercles/", views.catalogue, name="catalogue"),
    path("cercles/<int:circle_id>/", views.detail, name="detail"),
    path("cercles/<int:circle_id>/rejoindre/", views.join, name="join"),
    path("cercles/<int:circle_id>/quitter/", views.leave, name="leave"),
    path("cercles/<int:circle_id>/modifier/", views.edit, name="edit"),
    path("cercles/<int:circle_id>/animation/", views.facilitator_invite, name="facilitator_invite"),
    path(
        "cercles/<int:circle_id>/animation/invitations/<int:invitation_id>/retirer/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("invitations/animation/<str:token>/", views.invitation, name="invitation"),
    path(
        "cercles/<int:circle_id>/animation/<int:membership_id>/retirer/",
        views.facilitator_remove,
        name="facilitator_remove",
    ),
    path("cercles/<int:circle_id>/candidatures/<int:membership_id>/", views.decide, name="decide"),
    path("mes-cercles/", views.my_circles, name="my_circles"),
    path("programme/chiffres/", views.figures, name="figures"),
]
