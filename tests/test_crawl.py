"""Crawl the site as each persona and feed it malformed input: never a server error, always French.

Starting from the home page, every same-site link is followed (GET only, bounded), circle URLs are
retried with malformed ids, the catalogue gets malformed query strings, and every POST endpoint
gets garbage, missing fields and foreign ids. A 5xx anywhere fails the test with the request and
the exception that caused it.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from cercles.circles.models import Circle, Membership, MembershipStatus
from cercles.people.models import User
from tests.factories import make_circle, make_user, seat

MAX_URLS = 300
PROJECT_ROOT = str(Path(__file__).resolve().parent.parent) + "/"
SITE = "http://testserver"
HUGE_ID = "99999999999999999999"
MALFORMED_IDS = ["0", HUGE_ID, "-1", "abc"]
FRENCH_PAGE = '<html lang="fr"'


def _relative(filename: str) -> str:
    return filename.removeprefix(PROJECT_ROOT)


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_in(html: str) -> list[str]:
    parser = LinkParser()
    parser.feed(html)
    return parser.hrefs


def same_site_path(href: str, base: str) -> str | None:
    """The path and query of a same-site link, or None for another site, a fragment, mailto:…"""
    parts = urlsplit(urljoin(SITE + base, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def skipped(path: str) -> bool:
    if path.startswith(reverse("account_logout")) or path.startswith("/static/"):
        return True
    # The coordination (Django admin) is crawled to its index only.
    return path.startswith("/coordination/") and urlsplit(path).path != "/coordination/"


def shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} chars)"


def describe(method: str, path: str, response: HttpResponse, data: object = None) -> str:
    where = f"{method} {shorten(path)}" + (f" data={shorten(repr(data))}" if data is not None else "")
    exc_info = getattr(response, "exc_info", None)
    if exc_info and exc_info[1] is not None:
        frames = traceback.extract_tb(exc_info[2])
        last = frames[-1] if frames else None
        origin = f" at {_relative(last.filename)}:{last.lineno} in {last.name}" if last else ""
        return f"{where} -> {response.status_code}: {type(exc_info[1]).__name__}: {exc_info[1]}{origin}"
    return f"{where} -> {response.status_code}"


@dataclass
class Findings:
    server_errors: list[str] = field(default_factory=list)
    not_french: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def check(
        self, method: str, path: str, response: HttpResponse, data: object = None, *, fragment: bool = False
    ) -> None:
        """Record a 5xx, and a full HTML page (not an htmx fragment) that does not declare French."""
        if response.status_code >= 500:
            self.server_errors.append(describe(method, path, response, data))
            return
        is_page = not fragment and response.get("Content-Type", "").startswith("text/html") and response.content
        if is_page and FRENCH_PAGE not in response.content.decode(errors="replace"):
            self.not_french.append(describe(method, path, response, data))

    def assert_clean(self) -> None:
        problems = [f"server error: {line}" for line in self.server_errors]
        problems += [f'page without <html lang="fr">: {line}' for line in self.not_french]
        problems += [f"unexpected answer: {line}" for line in self.unexpected]
        if problems:
            pytest.fail(f"{len(problems)} problem(s):\n" + "\n".join(problems), pytrace=False)


@dataclass
class Programme:
    alice: User  # facilitator
    bob: User  # member
    charlie: User  # outsider with a pending application
    claire: User  # coordinator
    dora: User  # on a waiting list
    open_circle: Circle
    approval_circle: Circle
    full_circle: Circle
    pending: Membership
    waiting: Membership


@pytest.fixture
def programme(alice: User, bob: User, charlie: User, claire: User) -> Programme:
    dora = make_user("dora")
    open_circle = make_circle(title="Codéveloppement des cadres", capacity=6, facilitators=(alice,))
    seat(open_circle, bob)
    approval_circle = make_circle(
        kind_slug="codeveloppement", title="Sur validation", approval=True, facilitators=(alice,)
    )
    pending = seat(approval_circle, charlie, status=MembershipStatus.PENDING)
    full_circle = make_circle(title="Cercle complet", capacity=1, facilitators=(alice,))
    seat(full_circle, make_user())
    waiting = seat(full_circle, dora, status=MembershipStatus.WAITING)
    make_circle(title="Inscriptions fermées", is_open=False)
    make_circle(title="Cercle terminé", starts_in_days=-200, weeks=10, deadline_in_days=-210)
    make_circle(title="Cercle en cours", starts_in_days=-10, weeks=10, deadline_in_days=-12)
    for number in range(18):  # enough circles for the catalogue to have a second page
        make_circle(title=f"Cercle de lecture {number}", kind_slug="codeveloppement")
    return Programme(alice, bob, charlie, claire, dora, open_circle, approval_circle, full_circle, pending, waiting)


def client_as(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# Pages a person reaches by typing or from an e-mail rather than by a link: crawled from too.
UNLINKED_PAGES = (
    "/compte/email/",
    "/compte/password/change/",
    "/compte/password/set/",
    "/compte/confirm-email/",
    "/compte/login/code/confirm/",
    "/compte/password/reset/key/abc-def/",
    "/sante/",
    "/une-page-absente/",
)

PERSONAS = ["anonymous", "bob", "charlie", "alice", "claire"]


def persona(programme: Programme, name: str) -> User | None:
    return None if name == "anonymous" else getattr(programme, name)


def crawl_key(path: str) -> str:
    """Account pages differ only by their ?next= target: each is crawled once."""
    return path.split("?", 1)[0] if path.startswith("/compte/") else path


def crawl(client: Client, findings: Findings, start: Iterable[str] = ("/",)) -> set[str]:
    queue = deque(start)
    seen: set[str] = set(queue)
    keys: set[str] = {crawl_key(path) for path in queue}
    while queue and len(seen) <= MAX_URLS:
        path = queue.popleft()
        response = client.get(path)
        findings.check("GET", path, response)
        targets: list[str] = []
        if response.status_code in (301, 302, 303, 307, 308):
            targets = [response["Location"]]
        elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            targets = links_in(response.content.decode(errors="replace"))
        for href in targets:
            target = same_site_path(href, path)
            if target and crawl_key(target) not in keys and not skipped(target):
                seen.add(target)
                keys.add(crawl_key(target))
                queue.append(target)
    return seen


@pytest.mark.parametrize("name", PERSONAS)
def test_crawl_every_link_without_server_error(name: str, programme: Programme) -> None:
    client = client_as(persona(programme, name))
    findings = Findings()
    visited = crawl(client, findings, start=("/", *UNLINKED_PAGES))

    # The crawl reached the circles and, signed in, the person's own pages.
    assert f"/cercles/{programme.open_circle.pk}/" in visited
    assert any(path.startswith("/cercles/?") and "page=2" in path for path in visited), "no second catalogue page"
    if name != "anonymous":
        assert {"/mes-cercles/", "/profil/"} <= visited
    if name == "claire":
        assert "/coordination/" in visited

    # Every circle URL again with a malformed id: "page introuvable", never an error.
    tails = {path.split("/", 3)[3] for path in visited if path.startswith("/cercles/") and path[9:10].isdigit()}
    for tail in sorted(tails):
        for bad_id in MALFORMED_IDS:
            path = f"/cercles/{bad_id}/{tail}"
            response = client.get(path)
            findings.check("GET", path, response)
            login_redirect = response.status_code == 302 and response["Location"].startswith("/compte/login/")
            if response.status_code < 500 and not (response.status_code == 404 or login_redirect):
                findings.unexpected.append(describe("GET", path, response) + " (expected 404)")
    findings.assert_clean()


MALFORMED_QUERIES = [
    "page=abc",
    "page=-1",
    "page=0",
    "page=99999",
    "page=" + HUGE_ID,
    "page=1.5",
    "page=%00",
    "statut=%00",
    "statut=ouvert%00",
    "q=" + "a" * 10_000,
    "q=" + "mot " * 3_000,
    "q=%00",
    "q=%25%5F%27%22",
    "q=<script>alert(1)</script>",
    "type[]=x",
    "type=%00",
    "type=" + "x" * 5_000,
    "region=<script>",
    "region=%00",
    "format=holographique",
    "besoin=<script>",
    "besoin=%00",
    "besoin=" + "b" * 5_000,
    "page=1&page=2&page=abc",
    "statut=ouvert&statut=complet&type=a&type=b&region=53&region=53",
    "q=%ff%fe",
    "%ff%fe=%ff%fe",
    "q=%C3%28",
    "q=%E2%82",
    "page=%ff",
    "&&&=&=&",
    "q",
    "q=caf%C3%A9&statut=ouvert&format=en_ligne&page=2",
]


@pytest.mark.parametrize("name", ["anonymous", "bob"])
def test_catalogue_survives_malformed_query_strings(name: str, programme: Programme) -> None:
    client = client_as(persona(programme, name))
    findings = Findings()
    for query in MALFORMED_QUERIES:
        path = f"/cercles/?{query}"
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            findings.check("GET", path + (" (htmx)" if headers else ""), response, fragment=bool(headers))
            if response.status_code != 200:
                findings.unexpected.append(describe("GET", path, response) + " (expected 200)")
            elif not headers:
                html = response.content.decode()
                if "Tous les cercles" not in html or "<script>alert" in html or 'value="<script>' in html:
                    findings.unexpected.append(f"GET {shorten(path)} -> the catalogue is missing or echoes raw markup")
    for query in ("besoin=<script>", "statut=%00"):
        response = client.get(f"/?{query}")
        findings.check("GET", f"/?{query}", response)
    findings.assert_clean()


def garbage_posts(programme: Programme) -> list[tuple[str, dict | bytes]]:
    """(path, data) pairs: missing fields, garbage, foreign and malformed ids, on every POST endpoint."""
    open_id, approval_id, full_id = programme.open_circle.pk, programme.approval_circle.pk, programme.full_circle.pk
    pending_id, waiting_id = programme.pending.pk, programme.waiting.pk
    circle_ids = [open_id, approval_id, full_id, HUGE_ID]
    edit_garbage = {
        "version": "abc",
        "title": "",
        "description": "\x00",
        "meeting_format": "holographique",
        "departement": "zz",
        "start_date": "2026-13-45",
        "end_date": "hier",
        "join_deadline": "0000-00-00",
        "meeting_count": "1e3",
        "rhythm": "jamais",
        "meeting_duration_minutes": "-5",
        "capacity": "10" * 20,
        "is_open": "peut-être",
        "approval_mode": "x",
        "pact": "p" * 10_000,
    }
    edit_out_of_order = {
        "version": str(programme.open_circle.version),
        "title": "Titre",
        "description": "Présentation",
        "meeting_format": "en_ligne",
        "departement": "35",
        "start_date": "2030-01-10",
        "end_date": "2029-01-10",
        "join_deadline": "9999-12-31",
        "meeting_count": "100",
        "rhythm": programme.open_circle.rhythm,
        "meeting_duration_minutes": "480",
        "capacity": "1",
        "is_open": "on",
        "approval_mode": "ouvert",
        "pact": "",
    }
    edit_huge_version = {**edit_out_of_order, "version": HUGE_ID * 3, "end_date": "2031-01-10"}
    edit_far_dates = {
        **edit_out_of_order,
        "start_date": "0001-01-01",
        "end_date": "9999-12-31",
        "join_deadline": "0001-01-01",
    }
    posts: list[tuple[str, dict | bytes]] = []
    for circle_id in circle_ids:
        base = f"/cercles/{circle_id}"
        posts += [
            (f"{base}/rejoindre/", {}),
            (f"{base}/rejoindre/", {"pact": "peut-être", "message": "m" * 5_000}),
            (f"{base}/rejoindre/", {"pact": ["on", "off"], "message": "\x00"}),
            (f"{base}/rejoindre/", {"pact": "on", "next": "https://ailleurs.example/"}),
            (f"{base}/rejoindre/", {"pact": "on", "next": "/cercles/\r\nSet-Cookie: x=y"}),
            (f"{base}/rejoindre/", b"\xff\xfe=\xff&pact=%ff"),
            (f"{base}/quitter/", {}),
            (f"{base}/quitter/", {"next": "javascript:alert(1)"}),
            (f"{base}/quitter/", {"next": "//ailleurs.example/"}),
            (f"{base}/modifier/", {}),
            (f"{base}/modifier/", edit_garbage),
            (f"{base}/modifier/", edit_out_of_order),
            (f"{base}/modifier/", edit_huge_version),
            (f"{base}/modifier/", edit_far_dates),
            (f"{base}/animation/", {}),
            (f"{base}/animation/", {"email": "pas-une-adresse"}),
            (f"{base}/animation/", {"email": "personne@inconnue.example"}),
            (f"{base}/animation/", {"email": "x" * 300 + "@exemple.fr"}),
            (f"{base}/animation/", {"email": ["a@exemple.fr", "b@exemple.fr"]}),
        ]
        for membership_id in (pending_id, waiting_id, HUGE_ID):
            path = f"{base}/candidatures/{membership_id}/"
            posts += [
                (path, {}),
                (path, {"decision": "peut-être"}),
                (path, {"decision": "accepter", "message": "\x00"}),
                (path, {"decision": ["accepter", "refuser"], "message": "m" * 5_000}),
            ]
    posts += [
        ("/profil/", {}),
        ("/profil/", {"first_name": "\x00", "departement": "zz", "job_family": "zz", "organisation_kind": "x"}),
        (
            "/profil/?next=https://ailleurs.example/",
            {
                "first_name": "A" * 500,
                "last_name": "B",
                "organisation_name": "o" * 500,
                "organisation_kind": "commune",
                "departement": "35",
                "job_family": "affaires-generales",
                "consent": "on",
            },
        ),
        ("/i18n/setlang/", {"language": "xx", "next": "https://ailleurs.example/"}),
        ("/i18n/setlang/", {}),
    ]
    return posts


@pytest.mark.parametrize("name", PERSONAS)
def test_post_endpoints_survive_garbage(name: str, programme: Programme) -> None:
    client = client_as(persona(programme, name))
    findings = Findings()
    for path, data in garbage_posts(programme):
        if isinstance(data, bytes):
            response = client.post(path, data=data, content_type="application/x-www-form-urlencoded")
        else:
            response = client.post(path, data=data)
        findings.check("POST", path, response, data)
        for headers in ({"HX-Request": "true"},) if path.endswith("/rejoindre/") and not data else ():
            response = client.post(path, data=data, headers=headers)
            findings.check("POST (htmx)", path, response, data, fragment=True)
    # The GET-only views refuse other methods without an error page.
    for method in ("put", "delete", "patch"):
        response = getattr(client, method)(f"/cercles/{programme.open_circle.pk}/quitter/")
        findings.check(method.upper(), "/quitter/", response)
    findings.assert_clean()
