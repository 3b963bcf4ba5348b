"""Safe defaults: the checks that refuse an unsafe deployment, and the coordination's login."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from cercles.core.checks import check_safe_to_serve_beyond_localhost, refuse_to_serve_on_errors
from cercles.notifications.services import outbox_sweep
from conftest import client_for
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_KEY = "k7R2s9Wq4ZbX1vLm8NcT5yHj3GfD6aPe0uIo-oKlMnBvCxZaSdFgHjKlQwErTyUi"


@pytest.fixture
def production(settings) -> None:
    """The production set of docs/deployment.md, as settings."""
    settings.ALLOWED_HOSTS = ["cercles.example.fr"]
    settings.SECRET_KEY = PRODUCTION_KEY
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.DEBUG = False
    settings.OPERATOR_NAME = "Centre de gestion de la fonction publique territoriale d'Ille-et-Vilaine"
    settings.OPERATOR_ADDRESS = "Village des collectivités, 1 avenue de Tizé, 35236 Thorigné-Fouillard"
    settings.PUBLICATION_DIRECTOR = "La présidente du centre de gestion"
    settings.HOSTING_PROVIDER = "Hébergeur public, 35000 Rennes"
    settings.CONTACT_EMAIL = "cercles@cdg35.example.fr"


def run_as_deployed(arguments: list[str], data_dir: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process that reads ``variables`` as a deployment would (settings parse at import).

    Only what a deployment would have: not the test run's own variables (DATABASE_URL, or the
    DJANGO_ALLOW_ASYNC_UNSAFE that the browser tests set, which Django's deploy check refuses).
    """
    environment = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    environment.update(variables, CERCLES_DATA_DIR=str(data_dir))
    return subprocess.run(  # noqa: S603 - the test's own fixed arguments
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def error_ids() -> set[str]:
    return {message.id for message in check_safe_to_serve_beyond_localhost(None) if isinstance(message, Error)}


@pytest.mark.django_db
def test_it_lets_the_production_set_start(production) -> None:
    assert error_ids() == set()
    refuse_to_serve_on_errors()


@pytest.mark.django_db
def test_it_refuses_the_embedded_secret_key_beyond_localhost(production, settings) -> None:
    settings.SECRET_KEY = "django-insecure-cercles-embedded-mode-set-SECRET_KEY-in-deployment"
    assert error_ids() == {"cercles.E002"}
    with pytest.raises(ImproperlyConfigured, match=r"cercles\.E002"):
        refuse_to_serve_on_errors()


@pytest.mark.django_db
def test_it_refuses_demo_accounts_beyond_localhost(production) -> None:
    get_user_model().objects.create_user(email="membre@demo.cercles.fr")
    assert error_ids() == {"cercles.E003"}
    with pytest.raises(SystemCheckError, match=r"cercles\.E003"):
        call_command("check")


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"])
def test_it_refuses_cookies_that_travel_over_http_beyond_localhost(production, settings, cookie: str) -> None:
    setattr(settings, cookie, False)
    assert error_ids() == {"cercles.E004"}


@pytest.mark.django_db
def test_it_refuses_debug_beyond_localhost(production, settings) -> None:
    settings.DEBUG = True
    assert error_ids() == {"cercles.E005"}


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["OPERATOR_NAME", "PUBLICATION_DIRECTOR"])
def test_it_refuses_to_publish_the_demo_legal_notice_beyond_localhost(production, settings, missing: str) -> None:
    if missing == "OPERATOR_NAME":
        settings.OPERATOR_NAME = settings.DEMO_OPERATOR_NAME
    else:
        settings.PUBLICATION_DIRECTOR = " "
    assert error_ids() == {"cercles.E006"}


@pytest.mark.django_db
@pytest.mark.parametrize("hosts", [["*"], ["localhost", "192.168.1.20"], [".example.fr"]])
def test_it_counts_any_other_host_as_beyond_localhost(settings, hosts: list[str]) -> None:
    settings.ALLOWED_HOSTS = hosts
    assert {"cercles.E002", "cercles.E004"} <= error_ids()


@pytest.mark.django_db
def test_it_lets_make_run_start_on_localhost_with_no_setting(settings) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
    settings.DEBUG = True
    get_user_model().objects.create_user(email="membre@demo.cercles.fr")
    assert error_ids() == set()
    refuse_to_serve_on_errors()


def test_it_passes_the_deploy_check_with_the_production_environment(tmp_path: Path) -> None:
    result = run_as_deployed(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="cercles.example.fr",
        CSRF_TRUSTED_ORIGINS="https://cercles.example.fr",
        SITE_URL="https://cercles.example.fr",
        SECURE_COOKIES="1",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_PRELOAD="1",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        OPERATOR_NAME="Centre de gestion d'Ille-et-Vilaine",
        PUBLICATION_DIRECTOR="La présidente du centre de gestion",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_the_coordination_login_sends_anonymous_visitors_to_the_site_login(client) -> None:
    response = client.get("/coordination/login/?next=/coordination/circles/circle/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")
    assert "next=%2Fcoordination%2Fcircles%2Fcircle%2F" in response["Location"]
    # No second password form to attack: the admin's own form is not served.
    assert client.post("/coordination/login/", {"username": "x", "password": "y"}).status_code == 302


@pytest.mark.django_db
def test_the_coordination_login_refuses_participants(bob) -> None:
    assert client_for(bob).get("/coordination/login/").status_code == 403


@pytest.mark.django_db
def test_the_coordination_login_lets_coordinators_through(claire) -> None:
    response = client_for(claire).get("/coordination/login/")
    assert response.status_code == 302
    assert response["Location"] == "/coordination/"


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client, alice) -> None:
    for _attempt in range(5):
        client.post("/compte/login/", {"login": alice.email, "password": "not-the-password"})
    # The sixth try within five minutes is refused, even with the right password.
    response = client.post("/compte/login/", {"login": alice.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_every_way_in_has_a_rate_limit(settings) -> None:
    for action in ["login_failed", "login", "request_login_code", "reset_password", "reset_password_from_key"]:
        assert settings.ACCOUNT_RATE_LIMITS[action]


@pytest.mark.django_db
def test_login_codes_are_rate_limited(client, alice, mailoutbox) -> None:
    for _attempt in range(3):
        client.post("/compte/login/code/", {"email": alice.email})
        client.cookies.clear()
    response = client.post("/compte/login/code/", {"email": alice.email})
    assert "Trop" in response.content.decode()
    outbox_sweep()
    assert len(mailoutbox) == 3


@pytest.mark.django_db
def test_password_reset_requests_are_rate_limited(client, alice, mailoutbox) -> None:
    for _attempt in range(5):
        client.post("/compte/password/reset/", {"email": alice.email})
    assert client.post("/compte/password/reset/", {"email": alice.email}).status_code == 429
    outbox_sweep()
    assert len(mailoutbox) == 5


def test_uvicorn_refuses_to_start_an_unsafe_deployment(tmp_path: Path) -> None:
    # uvicorn imports config.asgi without manage.py's checks: the module runs them itself.
    result = run_as_deployed(["-c", "import config.asgi"], tmp_path, ALLOWED_HOSTS="cercles.example.fr")
    assert result.returncode != 0
    assert "Cercles refuses to start" in result.stderr
    assert "cercles.E002" in result.stderr
    assert "cercles.E004" in result.stderr
