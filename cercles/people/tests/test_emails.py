"""What a newcomer reads in the account e-mails: the programme's name and address, a neutral greeting."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sites.models import Site

from cercles.core.migrations import __name__ as core_migrations
from cercles.notifications.services import outbox_sweep

pytestmark = pytest.mark.django_db

PLACEHOLDERS = ["example.com", "Personne sans nom", "Hello from", "user "]


def test_the_sign_up_email_names_the_programme_and_its_address(client, mailoutbox) -> None:
    client.post("/compte/signup/", {"email": "nouvelle@exemple.fr"})
    outbox_sweep()
    message = mailoutbox[0]
    assert message.subject.startswith("[Cercles] ")
    assert message.body.startswith("Bonjour,\n")
    assert "créer un compte sur Cercles (http://127.0.0.1:8000)" in message.body
    for placeholder in PLACEHOLDERS:
        assert placeholder not in message.body


def test_the_emails_follow_the_programme_name_and_site_url_settings(client, mailoutbox, settings) -> None:
    settings.PROGRAMME_NAME = "Cercles Occitanie"
    settings.SITE_URL = "https://cercles.example.fr/"
    client.post("/compte/login/code/", {"email": "inconnue@exemple.fr"})
    client.post("/compte/signup/", {"email": "nouvelle@exemple.fr"})
    outbox_sweep()
    assert mailoutbox
    for message in mailoutbox:
        assert message.subject.startswith("[Cercles Occitanie] ")
        assert message.body.rstrip().endswith("Cercles Occitanie\nhttps://cercles.example.fr")
        for placeholder in PLACEHOLDERS:
            assert placeholder not in message.body


def test_the_site_record_is_the_programme_never_the_placeholder() -> None:
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == "Cercles"
    assert site.domain == "127.0.0.1:8000"


def test_the_migration_takes_the_site_from_the_settings(settings) -> None:
    import importlib

    migration = importlib.import_module(f"{core_migrations}.0001_site_from_settings")
    settings.SITE_URL = "https://cercles.example.fr"
    settings.PROGRAMME_NAME = "Cercles Bretagne"
    migration.name_site(apps, None)
    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == ("cercles.example.fr", "Cercles Bretagne")
