from django.urls import path

from cercles.people import views

app_name = "people"

urlpatterns = [
    path("", views.profile_edit, name="profile_edit"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("organisations/suggestions/", views.organisation_suggestions, name="organisation_suggestions"),
    path("consentement/", views.consent, name="consent"),
    path("consentement/retirer/", views.consent_withdraw, name="consent_withdraw"),
]
