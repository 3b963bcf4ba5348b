"""The outbox's own MIME writing says exactly what Django's ``message()`` says, in a fraction of the time."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage as ParsedMessage

import pytest
from django.core.mail import EmailMessage
from django.core.mail.message import BadHeaderError

from cercles.notifications.mime import ComposedMessage, OutboxEmail

LONG_SUBJECT = (
    "[Cercles] Rappel : séance du cercle « Codéveloppement des cadres de santé », mardi 31 décembre 2026 à 18:00"
)
HEADERS = {
    "Message-ID": "<abc123@cercles.localhost>",
    "Auto-Submitted": "auto-generated",
    "List-Unsubscribe": "<https://cercles.example.fr/e/rappels/" + "x" * 120 + "/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}
ICS = "BEGIN:VCALENDAR\r\nSUMMARY:Séance d'été\r\nEND:VCALENDAR\r\n"


def parsed(message: EmailMessage) -> ParsedMessage:
    raw = message.message().as_bytes(linesep="\r\n")
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def what_it_says(message: ParsedMessage) -> dict[str, object]:
    # Django folds a long encoded subject onto a continuation line, which readers show with a leading
    # space; ours starts on the header's own line. Otherwise the same text.
    headers = {name: str(value).strip() for name, value in message.items() if name.lower() != "date"}
    headers["Content-Type"] = message.get_content_type()  # the boundary is chosen at random
    parts = [
        (part.get_content_type(), part.get_filename(), part.get_content(), part.get_content_charset())
        for part in (message.iter_parts() if message.is_multipart() else [message])
    ]
    return {"headers": headers, "parts": parts}


@pytest.mark.parametrize("subject", ["[Cercles] Invitation", LONG_SUBJECT, "[Cercles] Séance d'été"])
@pytest.mark.parametrize("attachments", [(), (("seance-1.ics", ICS, "text/calendar; charset=utf-8"),)])
def test_it_says_what_djangos_message_says(subject: str, attachments: tuple) -> None:
    body = "Bonjour Élodie,\n\nUne séance approche :\nmardi 31 décembre à 18:00\n"

    def build(kind: type[EmailMessage]) -> EmailMessage:
        built = kind(subject=subject, body=body, to=["membre@exemple.fr"], headers=HEADERS)
        for attachment in attachments:
            built.attach(*attachment)
        return built

    ours, djangos = build(OutboxEmail), build(EmailMessage)
    assert isinstance(ours.message(), ComposedMessage)
    assert what_it_says(parsed(ours)) == what_it_says(parsed(djangos))
    assert parsed(ours)["Subject"] == subject
    assert parsed(ours)["Date"]


def test_every_line_of_its_headers_stays_within_the_limits() -> None:
    raw = OutboxEmail(subject=LONG_SUBJECT, body="Bonjour\n", to=["a@exemple.fr"], headers=HEADERS).message()
    head = raw.as_bytes(linesep="\r\n").split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    # Only an address without a space to fold at (the unsubscribe link) may exceed the recommended 78.
    assert all(len(line) <= 78 for line in head.split(b"\r\n") if b"/e/rappels/" not in line)


def test_a_header_with_a_line_break_is_refused_as_by_django() -> None:
    message = OutboxEmail(subject="Objet\nBcc: tous@exemple.fr", body="Bonjour\n", to=["a@exemple.fr"])
    with pytest.raises(BadHeaderError):
        message.message().as_bytes()


def test_an_unusual_message_goes_through_djangos_own_writing() -> None:
    too_long_a_line = OutboxEmail(subject="Objet", body="x" * 1200 + "\n", to=["a@exemple.fr"])
    with_a_copy = OutboxEmail(subject="Objet", body="Bonjour\n", to=["a@exemple.fr"], cc=["b@exemple.fr"])
    assert not isinstance(too_long_a_line.message(), ComposedMessage)
    assert not isinstance(with_a_copy.message(), ComposedMessage)
    assert parsed(too_long_a_line).get_content().startswith("x" * 1200)


def test_its_recipients_reach_the_smtp_backend_as_the_same_addresses() -> None:
    from django.core.mail.message import sanitize_address

    bare = OutboxEmail(subject="Objet", body="Bonjour\n", to=["agnes@exemple.fr"])
    named = OutboxEmail(subject="Objet", body="Bonjour\n", to=["Agnès <agnes@exemple.fr>"])
    assert [sanitize_address(address, "utf-8") for address in bare.recipients()] == ["agnes@exemple.fr"]
    assert named.recipients() == ["Agnès <agnes@exemple.fr>"]  # left to the backend's own parsing
