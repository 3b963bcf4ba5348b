"""Personas and run-mode checks shared by every test.

Personas: facilitator Alice, member Bob, outsider Charlie, coordinator Claire, and the anonymous
visitor. A suite run with DATABASE_URL / REDIS_URL set fails loudly when those servers are unreachable.
"""

from __future__ import annotations

import importlib
import os

import pytest
from django.test import Client

from cercles.circles.models import Circle
from cercles.people.models import User
from tests.factories import make_circle, make_user, seat


def pytest_configure(config: pytest.Config) -> None:
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except redis.exceptions.RedisError as error:
            raise pytest.UsageError(f"REDIS_URL is set but Redis is unreachable: {error}") from error


def pytest_report_header(config: pytest.Config) -> str:
    database = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite (embedded)"
    layer = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "in-memory"
    return f"cercles run mode: database {database}, channel layer and cache {layer}"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Rate limits live in the cache: a fresh one per test, in both run modes.
    from django.core.cache import cache

    cache.clear()
    # Pages read the programme's identity from the cache, as a running site does once warm: a fresh
    # database has none set, so the cache says so, and query counts compare like with like.
    from cercles.core.selectors import IDENTITY_CACHE_KEY, NO_IDENTITY_ROW

    cache.set(IDENTITY_CACHE_KEY, NO_IDENTITY_ROW, timeout=None)


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    """The rows the data migrations load (départements, job families, circle kinds, coordination group).

    Transactional tests flush the database; ``serialized_rollback`` should restore these rows, but
    the connection that holds the serialized copy is per thread and context, and tests that run an
    event loop (Playwright) or threads can end up on a connection without it. Reload them then,
    through the migrations' own functions.
    """
    from django.apps import apps as django_apps
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.contrib.sites.models import Site

    from cercles.circles.models import CircleKind
    from cercles.people.models import Departement

    def run(module: str, function: str) -> None:
        getattr(importlib.import_module(module), function)(django_apps, None)

    if not Site.objects.filter(pk=settings.SITE_ID).exists():
        run("cercles.core.migrations.0001_site_from_settings", "name_site")
    if not Departement.objects.exists():
        run("cercles.people.migrations.0002_reference_data", "load")
    if not CircleKind.objects.exists():
        run("cercles.circles.migrations.0003_circle_kinds", "load")
    if not Group.objects.filter(name="Coordination").exists():
        run("cercles.circles.migrations.0004_coordination_group", "create_group")
    if not Group.objects.filter(name="Observation").exists():
        run("cercles.circles.migrations.0005_role_groups", "grant")


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice")


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob")


@pytest.fixture
def charlie(db: None) -> User:
    return make_user("charlie")


@pytest.fixture
def claire(db: None) -> User:
    return make_user("claire", is_staff=True)


@pytest.fixture
def circle(alice: User, bob: User) -> Circle:
    """An open codéveloppement circle run by Alice, with Bob as a member."""
    created = make_circle(facilitators=(alice,), capacity=6, title="Codéveloppement des cadres")
    seat(created, bob)
    return created


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
