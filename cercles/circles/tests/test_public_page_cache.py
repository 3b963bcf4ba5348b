"""The public pages' cache (cercles/core/page_cache.py): the same page for every anonymous visitor,
never a copy for a signed-in person, never a stale one after a change."""

from __future__ import annotations

import datetime
import time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercles.circles import services
from cercles.circles.models import Circle
from cercles.core.services import IdentityChanges, identity_update
from cercles.people.models import User
from cercles.people.services import profile_update
from conftest import client_for
from tests.factories import make_circle, make_user

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["circles:home", "circles:catalogue", "circles:detail"]


def url_of(name: str, circle: Circle) -> str:
    return reverse(name, args=[circle.pk]) if name == "circles:detail" else reverse(name)


def queries_of(client: Client, url: str, **headers: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_an_anonymous_page_has_no_token_sets_no_cookie_and_is_served_again_without_a_query(
    name: str, circle: Circle
) -> None:
    url = url_of(name, circle)
    first = Client().get(url)
    assert first.status_code == 200
    assert not first.cookies
    assert "csrfmiddlewaretoken" not in first.content.decode()
    count, html = queries_of(Client(), url)
    assert count == 0
    assert html == first.content.decode()
    again = Client().get(url)
    assert not again.cookies
    # Served through the whole middleware: the security headers are the request's own.
    assert "Cookie" in again["Vary"]
    assert "script-src 'self'" in again["Content-Security-Policy"]
    assert again["X-Frame-Options"] == "DENY"


def test_a_join_shows_on_the_anonymous_pages_at_once(
    circle: Circle, charlie: User, django_capture_on_commit_callbacks
) -> None:
    visitor = Client()
    detail, catalogue = reverse("circles:detail", args=[circle.pk]), reverse("circles:catalogue")
    assert "5 places libres sur 6" in visitor.get(detail).content.decode()
    assert "5 places libres sur 6" in visitor.get(catalogue).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        joined = client_for(charlie).post(reverse("circles:join", args=[circle.pk]), {"pact": "on"})
    assert joined.status_code == 302
    assert "4 places libres sur 6" in visitor.get(detail).content.decode()
    assert "4 places libres sur 6" in visitor.get(catalogue).content.decode()


def test_a_refused_change_keeps_the_cached_pages(circle: Circle, django_capture_on_commit_callbacks) -> None:
    visitor, url = Client(), reverse("circles:catalogue")
    visitor.get(url)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.MembershipError):
        services.membership_leave(circle_id=circle.pk, user=make_user("dehors"))
    assert queries_of(visitor, url)[0] == 0


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_a_page_cached_for_anonymous_visitors_is_never_served_to_a_signed_in_person(
    name: str, circle: Circle, bob: User
) -> None:
    url = url_of(name, circle)
    anonymous = Client().get(url).content.decode()
    assert "Se connecter" in anonymous
    signed_in = client_for(bob).get(url).content.decode()
    assert "Se déconnecter" in signed_in
    assert "Mes cercles" in signed_in
    if name == "circles:detail":
        assert "Bob Test" in signed_in  # the member list, for members only


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_a_signed_in_page_is_never_served_to_an_anonymous_visitor(name: str, circle: Circle, bob: User) -> None:
    url = url_of(name, circle)
    client_for(bob).get(url)
    client_for(bob).get(url)
    anonymous = Client().get(url).content.decode()
    assert "Se déconnecter" not in anonymous
    assert "Mes cercles" not in anonymous
    assert "Bob Test" not in anonymous
    assert "Se connecter" in anonymous


def test_each_language_has_its_own_copy(circle: Circle) -> None:
    Client().get("/")
    english = Client()
    english.cookies["django_language"] = "en"
    assert "What do you need?" in english.get("/").content.decode()
    assert "De quoi avez-vous besoin ?" in Client().get("/").content.decode()


def test_the_htmx_fragment_and_the_full_catalogue_are_kept_apart(circle: Circle) -> None:
    url = reverse("circles:catalogue")
    full = Client().get(url)
    fragment = Client().get(url, headers={"HX-Request": "true"})
    assert "<html" in full.content.decode()
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "<html" in Client().get(url).content.decode()


def test_a_message_waiting_for_a_visitor_is_shown_to_them_only(circle: Circle, bob: User) -> None:
    Client().get("/")  # the page is cached
    leaving = client_for(bob)
    assert "Vous êtes déconnecté(e)." in leaving.post(reverse("account_logout"), follow=True).content.decode()
    assert "Vous êtes déconnecté(e)." not in Client().get("/").content.decode()
    assert "Vous êtes déconnecté(e)." not in leaving.get("/").content.decode()  # read once


def test_a_new_day_renders_the_pages_again(circle: Circle, settings) -> None:
    settings.PUBLIC_PAGE_CACHE_SECONDS = 3 * 24 * 3600
    url = reverse("circles:catalogue")
    evening = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 58)))
    with time_machine.travel(evening, tick=False):
        Client().get(url)
        assert queries_of(Client(), url)[0] == 0
    with time_machine.travel(evening + datetime.timedelta(minutes=4), tick=False):
        assert queries_of(Client(), url)[0] > 0  # statuses follow the date


def test_pages_expire_after_the_configured_time(circle: Circle, settings) -> None:
    # A real second: Redis counts expiry on its own clock, which time travel cannot move.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 1
    url = reverse("circles:home")
    Client().get(url)
    assert queries_of(Client(), url)[0] == 0
    time.sleep(1.5)
    assert queries_of(Client(), url)[0] > 0


def test_the_cache_can_be_turned_off(circle: Circle, settings) -> None:
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    Client().get("/")
    assert queries_of(Client(), "/")[0] > 0


def test_a_new_programme_name_shows_at_once(claire: User, django_capture_on_commit_callbacks) -> None:
    Client().get("/")
    changes = IdentityChanges(name="Cercles de Bretagne", tagline="", accent_colour="#0b5394")
    with django_capture_on_commit_callbacks(execute=True):
        identity_update(editor=claire, version=0, changes=changes)
    assert "Cercles de Bretagne" in Client().get("/").content.decode()


def test_a_facilitator_new_name_shows_at_once(circle: Circle, alice: User, django_capture_on_commit_callbacks) -> None:
    url = reverse("circles:detail", args=[circle.pk])
    assert "Alice Test" in Client().get(url).content.decode()
    profile = alice.profile
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(
            user=alice,
            first_name="Alicia",
            last_name="Martin",
            organisation_name=profile.organisation.name,
            organisation_kind=profile.organisation.kind,
            departement=profile.departement,
            job_family=profile.job_family,
            job_title="",
            consent=True,
        )
    assert "Alicia Martin" in Client().get(url).content.decode()


def test_a_profile_saved_with_the_same_name_keeps_the_cached_pages(
    circle: Circle, bob: User, django_capture_on_commit_callbacks
) -> None:
    url = reverse("circles:detail", args=[circle.pk])
    Client().get(url)
    profile = bob.profile
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(
            user=bob,
            first_name=bob.first_name,
            last_name=bob.last_name,
            organisation_name=profile.organisation.name,
            organisation_kind=profile.organisation.kind,
            departement=profile.departement,
            job_family=profile.job_family,
            job_title="Cheffe de projet",
            consent=True,
        )
    assert queries_of(Client(), url)[0] == 0


def test_a_new_circle_shows_in_the_catalogue_at_once(circle: Circle, django_capture_on_commit_callbacks) -> None:
    url = reverse("circles:catalogue")
    Client().get(url)
    with django_capture_on_commit_callbacks(execute=True):
        make_circle(title="Arpentage des communs")
    assert "Arpentage des communs" in Client().get(url).content.decode()
