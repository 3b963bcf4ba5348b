"""A whole codéveloppement meeting in four browsers at once: the facilitator, the client, two consultants.

The app is served by uvicorn in a thread (Django's live server has no WebSockets), on the test database,
with the site's CSP. Every context opens the room; at each step every context sees the change (the tests
wait for the DOM to say so: barriers, never sleeps). Time is the test's: the server's clock is moved with
time-machine and each browser's with Playwright's clock, together, so "Plus qu'une minute" and an overrun
are seen without waiting for them. A fifth tab (the facilitator's projector) has no WebSocket at all and
follows the meeting by polling the snapshot ("Mode dégradé"). axe-core audits the room and the projector.

Run once per CI run, in the embedded mode (SQLite), like the accessibility crawl.
"""

from __future__ import annotations

import datetime
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from cercles.meetings.models import Meeting
from cercles.people.models import User
from tests.browser.conftest import EXPECT_TIMEOUT_MS
from tests.browser.test_accessibility import AXE_OPTIONS, format_violations
from tests.factories import make_circle, make_user, seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def embedded_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the four-browser meeting runs once per CI run, in the embedded mode (SQLite)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def file_database(embedded_only: None, reference_data: None, tmp_path: Path) -> Iterator[None]:
    """The test's database moved to a file for this test, as the site runs it (WAL, busy timeout).

    SQLite's shared in-memory test database locks whole tables between connections and fails at once
    ("database table is locked") where the app's threads and the test's would queue on a file. The
    in-memory database (reference data included) is copied to a file, every thread's new connection
    opens the file, and the in-memory one is kept aside, untouched, for the tests that follow.
    """
    wrapper = connections["default"]
    wrapper.ensure_connection()
    if not wrapper.is_in_memory_db():  # SQLITE_TEST_PATH: already a file
        yield
        return
    path = tmp_path / "salle.sqlite3"
    with wrapper.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(path)])
    in_memory, name = wrapper.connection, wrapper.settings_dict["NAME"]
    # Detached, not closed: closing the last connection to an in-memory database would drop it.
    wrapper.connection = None
    wrapper.settings_dict["NAME"] = str(path)  # the same dict as connections.settings: every thread
    try:
        yield
    finally:
        wrapper.close()
        wrapper.settings_dict["NAME"] = name
        wrapper.connection = in_memory


@pytest.fixture
def asgi_server(file_database: None) -> Iterator[str]:
    """The site's ASGI application (HTTP and WebSockets) served by uvicorn in a thread; yields its URL."""
    import uvicorn

    from config.asgi import application

    port = free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    ready = threading.Event()
    original_startup = server.startup

    async def startup(*args: Any, **kwargs: Any) -> None:
        await original_startup(*args, **kwargs)
        ready.set()

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    assert ready.wait(timeout=30), "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def person_page(chromium: Any, asgi_server: str) -> Iterator[Callable[..., Page]]:
    """A page in a fresh context signed in as ``user`` (one context per person: their own cookies)."""
    contexts: list[Any] = []

    def make(user: User, *, clock: datetime.datetime | None, width: int = 1280, init_script: str = "") -> Page:
        client = Client()
        client.force_login(user)
        context = chromium.new_context(base_url=asgi_server, locale="fr-FR", viewport={"width": width, "height": 900})
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": asgi_server}])
        contexts.append(context)
        page = context.new_page()
        if init_script:
            page.add_init_script(init_script)
        if clock is not None:
            page.clock.install(time=clock)
        return page

    yield make
    for context in contexts:
        context.close()


def phase(page: Page) -> Any:
    return page.locator("#room-phase-title")


def fragment(page: Page) -> str:
    """What the page's next read would show its person (the server's rendering, with their cookies)."""
    return page.request.get(page.url.split("?")[0] + "?fragment=1").text()


def no_axe_violation(page: Page, where: str) -> None:
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, format_violations(where, violations)


def test_a_codeveloppement_meeting_in_four_browsers(person_page: Callable[..., Page]) -> None:
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    with time_machine.travel(start, tick=True) as traveller:
        alice = make_user("alice")
        bob, chloe, david = make_user("bob"), make_user("chloe"), make_user("david")
        circle = make_circle(facilitators=(alice,), capacity=6, title="Codéveloppement des cadres")
        for member in (bob, chloe, david):
            seat(circle, member)
        meeting = Meeting.objects.create(
            circle=circle,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            meeting_format="en_ligne",
            room_name="salle-codev-navigateurs",
        )
        room = f"/seances/{meeting.pk}/salle/"

        facilitator = person_page(alice, clock=start)
        client = person_page(bob, clock=start)
        consultant = person_page(chloe, clock=start)
        other_consultant = person_page(david, clock=start)
        everyone = [facilitator, client, consultant, other_consultant]
        for page in everyone:
            page.goto(room)
        for page in everyone:
            expect(page.locator("[data-connection-text]")).to_have_text("Connecté")
        # The facilitator's projector has no WebSocket: it follows the meeting by polling the snapshot.
        projector = person_page(alice, clock=start, init_script="delete window.WebSocket;")
        projector.goto(f"/seances/{meeting.pk}/salle/projection/")
        expect(projector.locator("[data-connection-text]")).to_have_text("Mode dégradé : actualisation toutes les 5 s")
        pages = [*everyone, projector]

        def advance(minutes: float) -> None:
            """The server's clock and every browser's move on together."""
            delta = datetime.timedelta(minutes=minutes)
            traveller.shift(delta)
            for page in pages:
                page.clock.fast_forward(int(delta.total_seconds() * 1000))
            # A read in flight while the clocks moved measured the offset between them wrong: read again,
            # as a page does when the network comes back.
            for page in pages:
                page.evaluate("window.dispatchEvent(new Event('online'))")

        def everyone_sees(name: str) -> None:
            for page in everyone:
                expect(phase(page)).to_have_text(name)
            projector.clock.fast_forward(6000)  # its next poll
            expect(projector.locator("[data-phase-name]")).to_have_text(name)

        # Before the start: who is here, and the facilitator makes Bob the client.
        expect(facilitator.get_by_role("heading", name="Participant·es (4 présent·es)")).to_be_visible()
        expect(client.get_by_role("heading", name="Animation")).to_have_count(0)
        facilitator.get_by_label("Rôle de Bob Test").select_option(label="Client·e")
        facilitator.get_by_role("button", name="Attribuer le rôle de Bob Test").click()
        for page in everyone:
            expect(page.locator(".room-person", has_text="Bob Test")).to_contain_text("Client·e")

        facilitator.get_by_role("button", name="Commencer la séance").click()
        everyone_sees("Présentation de la méthode et accord du groupe")
        expect(consultant.locator("[data-room-announcer]")).to_contain_text(
            "Étape 1 : Présentation de la méthode et accord du groupe."
        )

        # A free step: Chloé raises her hand, the facilitator gives her the word.
        consultant.get_by_role("button", name="Lever la main").click()
        expect(facilitator.locator(".room-hands")).to_contain_text("Chloe Test")
        facilitator.get_by_role("button", name="Donner la parole Chloe Test").first.click()
        for page in everyone:
            expect(page.locator("[data-speaker-text]")).to_have_text("Chloe Test (Consultant·e) a la parole.")
        expect(consultant.locator("[data-room-announcer]")).to_contain_text("Vous avez la parole.")

        no_axe_violation(facilitator, f"{room} (facilitator, step 1)")
        no_axe_violation(consultant, f"{room} (member, step 1)")

        # The exposé: the client alone speaks; one minute left is said once; then the overrun in words.
        facilitator.get_by_role("button", name="Étape suivante").click()
        everyone_sees("Exposé de la problématique")
        for page in everyone:
            expect(page.locator("[data-speaker-text]")).to_have_text("Bob Test (Client·e) a la parole.")
        expect(facilitator.get_by_role("button", name="Étape suivante")).to_be_focused()
        # The client writes their subject: saved as they type, read by the circle.
        subject = client.locator("textarea[data-slot='sujet']")
        subject.fill("Mon équipe refuse le nouveau planning.")
        subject.blur()
        expect(client.locator("[data-status-for='" + str(subject.get_attribute("id")) + "']")).to_contain_text(
            "Enregistré à"
        )
        advance(8.5)
        advance(0.75)
        expect(other_consultant.locator("[data-room-announcer]")).to_have_text("Plus qu'une minute.")
        advance(3)
        for page in everyone:
            expect(page.locator("[data-overrun-text]")).to_have_text("Dépassement de 2 min")
        expect(projector.locator("[data-overrun-text]")).to_have_text("Dépassement de 2 min")
        expect(consultant.locator(".room-slot-others")).to_contain_text("Mon équipe refuse le nouveau planning.")

        # A refused command (a step that does not exist, forged in the page) says why, in French.
        # (forged and sent in one go: a re-read of the room in between would draw the form afresh)
        facilitator.evaluate(
            "() => { const select = document.getElementById('room-jump-step');"
            " select.add(new Option('99', '99', true, true));"
            " select.form.requestSubmit(document.getElementById('cmd-jump')); }"
        )
        expect(facilitator.get_by_role("alert")).to_have_text("Cette étape n'existe pas dans le déroulé de la séance.")
        expect(phase(facilitator)).to_have_text("Exposé de la problématique")

        # A version gone stale while the meeting itself did not move (someone joined, a hand went up) does not
        # refuse the facilitator's "next": the page sends it again on the new version.
        facilitator.evaluate(
            "() => { const button = document.getElementById('cmd-next');"
            " button.form.querySelector('[name=version]').value = '1'; button.form.requestSubmit(button); }"
        )
        everyone_sees("Clarification")
        facilitator.get_by_role("button", name="Étape suivante").click()
        everyone_sees("Contrat")
        request = client.locator("textarea[data-slot='demande']")
        request.fill("Comment faire adhérer mon équipe ?")
        expect(client.locator("[data-status-for='" + str(request.get_attribute("id")) + "']")).to_contain_text(
            "Enregistré à"
        )
        # The step moves on while the client is still in the field: the field stays, and the page says why.
        facilitator.get_by_role("button", name="Étape suivante").click()
        everyone_sees("Consultation")
        expect(client.locator("[data-writing-deferred]")).to_contain_text("L'étape a changé")
        expect(request).to_be_focused()
        request.blur()
        expect(client.locator("[data-writing-deferred]")).to_have_count(0)
        # The client's request stays pinned in view during the consultation, for everyone in the circle.
        for page in everyone:
            expect(page.locator(".room-pinned")).to_contain_text("Comment faire adhérer mon équipe ?")
        # During the consultation only consultants ask for the word; the client listens.
        expect(consultant.get_by_role("button", name="Lever la main")).to_be_visible()
        expect(client.get_by_role("button", name="Lever la main")).to_have_count(0)

        facilitator.get_by_role("button", name="Étape suivante").click()
        everyone_sees("Synthèse et plan d'action")
        # The action plan is read by the client and the facilitation only (what each page would show).
        plan = client.locator("textarea[data-slot='plan']")
        plan.fill("Je teste un atelier avec l'équipe.")
        plan.blur()
        expect(client.locator("[data-status-for='" + str(plan.get_attribute("id")) + "']")).to_contain_text(
            "Enregistré à"
        )
        assert "Je teste un atelier" in fragment(facilitator)
        for page in (consultant, other_consultant):
            assert "Je teste un atelier" not in fragment(page)
        facilitator.get_by_role("button", name="Étape suivante").click()
        everyone_sees("Apprentissages")
        # Learnings are private: written by Chloé, read by nobody else, the facilitation included.
        learnings = consultant.locator("textarea[data-slot='apprentissages']")
        learnings.fill("J'ai appris à questionner sans conseiller.")
        learnings.blur()
        expect(consultant.locator("[data-status-for='" + str(learnings.get_attribute("id")) + "']")).to_contain_text(
            "Enregistré à"
        )
        for page in (facilitator, client, other_consultant):
            assert "questionner sans conseiller" not in fragment(page)
        # The round: David passes his turn; everyone sees it.
        other_consultant.get_by_role("button", name="Je passe mon tour").click()
        for page in everyone:
            entry = page.locator(".room-round-entry", has_text="David Test")
            expect(entry).to_contain_text("a parlé ou passé son tour")
        no_axe_violation(projector, f"/seances/{meeting.pk}/salle/projection/")

        facilitator.get_by_role("button", name="Terminer la séance").click()
        for page in everyone:
            expect(phase(page)).to_have_text("La séance est terminée")
        expect(client.locator("[data-room-announcer]")).to_contain_text("La séance est terminée.")


def test_the_room_reflows_at_320_px(person_page: Callable[..., Page]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    circle = make_circle(facilitators=(alice,), capacity=6, title="Codéveloppement des cadres")
    seat(circle, bob)
    now = timezone.now()
    meeting = Meeting.objects.create(
        circle=circle,
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=2),
        meeting_format="en_ligne",
        room_name="salle-codev-etroite",
    )
    pages = []
    for who, path in ((alice, f"/seances/{meeting.pk}/salle/"), (bob, f"/seances/{meeting.pk}/salle/projection/")):
        page = person_page(who, clock=None, width=320)
        page.goto(path)
        expect(page.locator("[data-connection-text]")).to_have_text("Connecté")
        assert not scrolls_sideways(page), f"{path} before the start"
        pages.append(page)
    # Running, the facilitation's controls (a select of the steps' long names among them) still fit.
    pages[0].get_by_role("button", name="Commencer la séance").click()
    for page in pages:
        expect(page.locator("[data-phase-name]")).to_have_text("Présentation de la méthode et accord du groupe")
        assert not scrolls_sideways(page), f"{page.url} running"


def scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def test_the_room_reconnects_and_polls_while_its_socket_is_down(person_page: Callable[..., Page]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    circle = make_circle(facilitators=(alice,), capacity=6, title="Codéveloppement des cadres")
    seat(circle, bob)
    now = timezone.now()
    meeting = Meeting.objects.create(
        circle=circle,
        starts_at=now,
        ends_at=now + datetime.timedelta(hours=2),
        meeting_format="en_ligne",
        room_name="salle-codev-coupure",
    )
    room = f"/seances/{meeting.pk}/salle/"
    facilitator = person_page(alice, clock=None)
    member = person_page(bob, clock=now)
    # Bob's sockets go through the test: the first one reaches the server, then the line is cut until
    # the test lets the next attempts through again.
    sockets: list[Any] = []
    line_open = {"value": True}

    def route(socket_route: Any) -> None:
        if line_open["value"]:
            sockets.append((socket_route, socket_route.connect_to_server()))
        else:
            socket_route.close(code=4000)

    member.route_web_socket(re.compile(r"/ws/salles/"), route)
    facilitator.goto(room)
    member.goto(room)
    status = member.locator("[data-connection-text]")
    expect(status).to_have_text("Connecté")
    people = facilitator.locator("#room-people-title")
    expect(people).to_contain_text("2 présent·es")

    line_open["value"] = False
    for side in sockets[-1]:  # the page's side and the server's: the line is cut
        side.close(code=4000)
    expect(status).to_have_text("Reconnexion…")
    member.clock.fast_forward(2_000)  # the first retry (1 s at most, with jitter) meets a cut line too
    expect(status).to_have_text("Mode dégradé : actualisation toutes les 5 s")
    expect(people).to_contain_text("1 présent·e")  # Bob's socket closed

    # Meanwhile the meeting starts: Bob's page sees it by polling the snapshot, and polling counts him
    # present again for the facilitator.
    expect(facilitator.locator("[data-connection-text]")).to_have_text("Connecté")
    facilitator.get_by_role("button", name="Commencer la séance").click()
    expect(phase(facilitator)).to_have_text("Présentation de la méthode et accord du groupe")
    member.clock.fast_forward(5_000)
    expect(phase(member)).to_have_text("Présentation de la méthode et accord du groupe")
    expect(people).to_contain_text("2 présent·es")

    # The line comes back: the next retry connects and the page says so.
    line_open["value"] = True
    member.clock.fast_forward(4_000)
    expect(status).to_have_text("Connecté")
    facilitator.get_by_role("button", name="Étape suivante").click()
    expect(phase(member)).to_have_text("Exposé de la problématique")
