"""Video providers behind ``/seances/<id>/rejoindre``: a small interface, chosen in settings.

* ``jitsi`` — a Jitsi-compatible server (``MEETINGS_JITSI_URL``); the room is the meeting's long random
  name; when the server asks for a token (``MEETINGS_JITSI_APP_ID`` / ``MEETINGS_JITSI_SECRET`` from the
  environment) the link carries a short-lived JWT (HS256) naming the room, the person and whether they
  moderate.
* ``bigbluebutton`` — a BigBlueButton server (``MEETINGS_BBB_URL``, ``MEETINGS_BBB_SECRET``): at click
  time the room is created (idempotent ``create`` call, signed), then the person is sent to a signed
  ``join`` URL, as moderator when they facilitate.
* a fixed link typed by the facilitator on the meeting (La Suite Meet, Teams, a phone bridge) always wins.

No iframe: the person's browser goes to the provider. Nothing here reads the database.
"""

from __future__ import annotations

import datetime
import hashlib
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

import jwt
from django.conf import settings


@dataclass(frozen=True)
class JoinRequest:
    room_name: str
    meeting_title: str
    person_name: str
    person_id: str
    moderator: bool
    now: datetime.datetime


class VideoProvider(Protocol):
    def join_url(self, request: JoinRequest) -> str: ...


class ProviderUnavailable(Exception):
    """The video server did not answer (BigBlueButton's create call failed)."""


@dataclass(frozen=True)
class JitsiProvider:
    base_url: str
    app_id: str = ""
    secret: str = ""
    token_lifetime: datetime.timedelta = datetime.timedelta(hours=4)

    def join_url(self, request: JoinRequest) -> str:
        url = f"{self.base_url.rstrip('/')}/{urllib.parse.quote(request.room_name)}"
        if not (self.app_id and self.secret):
            return url
        return f"{url}?jwt={self.token(request)}"

    def token(self, request: JoinRequest) -> str:
        claims = {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": urllib.parse.urlsplit(self.base_url).hostname or "*",
            "room": request.room_name,
            "nbf": int((request.now - datetime.timedelta(minutes=5)).timestamp()),
            "exp": int((request.now + self.token_lifetime).timestamp()),
            "context": {"user": {"id": request.person_id, "name": request.person_name, "moderator": request.moderator}},
            "moderator": request.moderator,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")


def bbb_checksum(call: str, query: str, secret: str) -> str:
    """BigBlueButton's checksum: SHA-1 of the call's name, its query string and the shared secret."""
    return hashlib.sha1(f"{call}{query}{secret}".encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class BigBlueButtonProvider:
    base_url: str  # ends with /bigbluebutton/api/
    secret: str
    timeout: float = 5.0

    def signed_url(self, call: str, parameters: dict[str, str]) -> str:
        query = urllib.parse.urlencode(parameters)
        checksum = bbb_checksum(call, query, self.secret)
        return f"{self.base_url.rstrip('/')}/{call}?{query}&checksum={checksum}"

    def create_url(self, request: JoinRequest) -> str:
        return self.signed_url(
            "create",
            {
                "name": request.meeting_title,
                "meetingID": request.room_name,
                "attendeePW": _password(request.room_name, "attendee", self.secret),
                "moderatorPW": _password(request.room_name, "moderator", self.secret),
            },
        )

    def join_url(self, request: JoinRequest) -> str:
        try:
            with urllib.request.urlopen(self.create_url(request), timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except OSError as error:
            raise ProviderUnavailable(str(error)) from error
        if b"<returncode>SUCCESS</returncode>" not in body:
            raise ProviderUnavailable(body[:200].decode(errors="replace"))
        role = "moderator" if request.moderator else "attendee"
        return self.signed_url(
            "join",
            {
                "fullName": request.person_name,
                "meetingID": request.room_name,
                "password": _password(request.room_name, role, self.secret),
                "userID": request.person_id,
                "redirect": "true",
            },
        )


def _password(room_name: str, role: str, secret: str) -> str:
    # Derived, never stored: the same room always gets the same passwords from the same secret.
    return hashlib.sha256(f"{role}:{room_name}:{secret}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FixedLinkProvider:
    link: str

    def join_url(self, request: JoinRequest) -> str:
        return self.link


def provider_for(*, fixed_link: str) -> VideoProvider | None:
    """The provider of a meeting: its fixed link, else the programme's provider; None when none is set."""
    if fixed_link:
        return FixedLinkProvider(fixed_link)
    choice = settings.MEETINGS_VIDEO_PROVIDER
    if choice == "jitsi" and settings.MEETINGS_JITSI_URL:
        return JitsiProvider(
            base_url=settings.MEETINGS_JITSI_URL,
            app_id=settings.MEETINGS_JITSI_APP_ID,
            secret=settings.MEETINGS_JITSI_SECRET,
        )
    if choice == "bigbluebutton" and settings.MEETINGS_BBB_URL and settings.MEETINGS_BBB_SECRET:
        return BigBlueButtonProvider(base_url=settings.MEETINGS_BBB_URL, secret=settings.MEETINGS_BBB_SECRET)
    return None
