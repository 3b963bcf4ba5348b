from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import Client

from cercles.core.checks import check_channel_layer_matches_processes
from cercles.core.text import normalize_for_search
from cercles.core.views import server_error

pytestmark = pytest.mark.django_db


def test_the_404_page_is_french_in_the_layout(client) -> None:
    response = client.get("/nulle-part/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in html
    assert "Revenir à l&#x27;accueil" in html or "Revenir à l'accueil" in html
    assert 'href="/cercles/"' in html


def test_a_csrf_failure_explains_itself_in_french(bob) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post("/cercles/1/quitter/")
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.content.decode()


def test_the_500_page_is_french_and_needs_no_database(rf) -> None:
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert (
        "Une erreur s&#x27;est produite" in response.content.decode()
        or "Une erreur s'est produite" in response.content.decode()
    )


def test_an_unexpected_error_shows_the_500_page(client, monkeypatch) -> None:
    from cercles.circles import views

    def broken(**kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "home_need_sections", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Une erreur" in response.content.decode()


def test_the_403_page_is_french(claire, bob) -> None:
    from cercles.circles.models import Circle  # noqa: F401
    from tests.factories import make_circle

    circle = make_circle()
    client = Client()
    client.force_login(bob)
    response = client.get(f"/cercles/{circle.pk}/modifier/")
    assert response.status_code == 403
    assert "Seule l" in response.content.decode()


def test_health_answers_ok(client) -> None:
    assert client.get("/sante/").json() == {"status": "ok"}


def test_htmx_domain_errors_get_a_fragment(bob) -> None:
    from tests.factories import make_circle

    circle = make_circle()
    client = Client()
    client.force_login(bob)
    response = client.post(f"/cercles/{circle.pk}/quitter/", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response.content.decode().startswith('<div class="alert alert-danger"')


def test_the_system_check_refuses_an_in_memory_layer_with_several_processes(settings) -> None:
    # Through the fixture only: an override_settings decorator around it would be undone first, and the
    # fixture's own restore would then put WEB_PROCESSES=2 back for the rest of the session.
    settings.WEB_PROCESSES = 2
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert "cercles.E001" in [message.id for message in run_checks()]


def test_the_system_check_accepts_redis_with_several_processes(settings) -> None:
    settings.WEB_PROCESSES = 4
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {}}}
    assert "cercles.E001" not in [message.id for message in run_checks()]


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("Élue  Cœur", "elue coeur"), ("ÇA VA", "ca va"), ("Straße", "strasse"), ("  a\tb\n", "a b"), ("", "")],
)
def test_search_folding(raw: str, folded: str) -> None:
    assert normalize_for_search(raw) == folded


def test_the_security_headers_are_set(client) -> None:
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_site_is_french_whatever_the_browser_says(client) -> None:
    html = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="fr">' in html
    assert "De quoi avez-vous besoin ?" in html


def test_pages_switch_to_english(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "What do you need?" in html


def test_the_language_switch_needs_no_token_so_that_pages_are_the_same_for_everyone(client) -> None:
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert "csrfmiddlewaretoken" not in html
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/i18n/setlang/", {"language": "en", "next": "/cercles/"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/cercles/"
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in browser.get("/cercles/").content.decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://ailleurs.example"},
    ],
)
def test_another_site_cannot_switch_a_visitor_language(headers: dict[str, str]) -> None:
    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en", "next": "/"}, headers=headers)
    assert response.status_code == 403
    assert "django_language" not in response.cookies
    assert "Le formulaire a expiré" in response.content.decode()


def test_the_language_switch_accepts_this_site_origin() -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"language": "en", "next": "/"}, headers={"Origin": "http://testserver"}
    )
    assert response.cookies["django_language"].value == "en"


def test_the_language_switch_is_a_post_only(client) -> None:
    response = client.get("/i18n/setlang/?language=en&next=/")
    assert response.status_code == 405
    assert "django_language" not in response.cookies


def test_an_oversize_request_gets_a_french_400(bob) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    response = client.post("/profil/", {"job_title": "x" * 1_100_000})
    assert response.status_code == 400
    assert "Demande incorrecte" in response.content.decode()


IN_MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def test_one_process_serving_with_the_in_memory_layer_is_fine(settings) -> None:
    settings.WEB_PROCESSES = 1
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    assert check_channel_layer_matches_processes(None, argv=["manage.py", "serve"]) == []
    assert check_channel_layer_matches_processes(None, argv=["uvicorn", "config.asgi:application"]) == []


def test_a_db_worker_beside_the_in_memory_layer_is_refused_naming_it(settings) -> None:
    # Its tasks would change rooms whose sockets, in the web process, would never hear of it.
    settings.WEB_PROCESSES = 1
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    errors = check_channel_layer_matches_processes(None, argv=["manage.py", "db_worker"])
    assert [error.id for error in errors] == ["cercles.E001"]
    assert "db_worker" in errors[0].msg


def test_the_redis_layer_accepts_a_db_worker_and_several_processes(settings) -> None:
    settings.WEB_PROCESSES = 4
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {}}}
    assert check_channel_layer_matches_processes(None, argv=["manage.py", "db_worker"]) == []
