"""Browser fixtures: the system's Chromium driven by Playwright against pytest-django's live server.

Test modules here mark themselves ``browser`` and ``django_db(transaction=True, serialized_rollback=True)``:
the live server needs a transactional database, and the serialized rollback restores the reference
data of the data migrations (départements, job families, circle kinds) after each test's flush.

The tests never download a browser: they use ``CHROMIUM_PATH``, ``/usr/bin/chromium`` or the
``chromium`` on the PATH, and are skipped with a one-line reason when there is none.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's auto-waiting expectations give up after this many milliseconds.
EXPECT_TIMEOUT_MS = 10_000


def find_chromium() -> str | None:
    """The Chromium to drive: $CHROMIUM_PATH, else /usr/bin/chromium, else `chromium` on the PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        configured = os.environ.get("CHROMIUM_PATH")
        where = f"CHROMIUM_PATH={configured} is not a file" if configured else "none at /usr/bin or on PATH"
        pytest.skip(f"Chromium not installed ({where}): apt-get install chromium, or set CHROMIUM_PATH")
    return path


@pytest.fixture(scope="package")
def chromium(chromium_path: str) -> Iterator[object]:
    """One headless Chromium for the browser tests; closed when they are done, because Playwright's
    event loop would otherwise stay in this thread and break the later tests that run async code."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    # Playwright's sync API runs an event loop in this thread; Django's ORM would then refuse the
    # test's own queries (SynchronousOnlyOperation) although they are plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def fresh_context(chromium: object, live_server: object, reference_data: None) -> Iterator[Callable[..., object]]:
    """Make a fresh browser context (a separate person: own cookies) on the live server.

    Named apart from pytest-playwright's ``page``/``new_context`` fixtures, which would launch a
    browser of their own (downloaded by ``playwright install``, which this project never runs).
    """
    contexts: list[object] = []

    def make(**options: object) -> object:
        options.setdefault("base_url", live_server.url)  # type: ignore[attr-defined]
        options.setdefault("locale", "fr-FR")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(**options)  # type: ignore[attr-defined]
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()  # type: ignore[attr-defined]


@pytest.fixture
def signed_in_context(fresh_context: Callable[..., object], live_server: object) -> Callable[..., object]:
    """Make a browser context already signed in as `user` (a session made by Django's test client)."""
    from django.conf import settings
    from django.test import Client

    def make(user: object, **options: object) -> object:
        client = Client()
        client.force_login(user)  # type: ignore[arg-type]
        context = fresh_context(**options)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(  # type: ignore[attr-defined]
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]  # type: ignore[attr-defined]
        )
        return context

    return make
