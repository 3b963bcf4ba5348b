"""Video providers: BigBlueButton checksums (the API's documented example, a local fake server), Jitsi JWT."""

from __future__ import annotations

import datetime
import http.server
import threading
import urllib.parse
from collections.abc import Iterator

import jwt
import pytest

from cercles.meetings.video import (
    BigBlueButtonProvider,
    FixedLinkProvider,
    JitsiProvider,
    JoinRequest,
    ProviderUnavailable,
    bbb_checksum,
)

SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
NOW = datetime.datetime(2027, 1, 12, 17, 45, tzinfo=datetime.UTC)


def _request(moderator: bool = False) -> JoinRequest:
    return JoinRequest(
        room_name="cercles-salon-long",
        meeting_title="Cercle",
        person_name="Bob Zarbalestrin",
        person_id="7",
        moderator=moderator,
        now=NOW,
    )


def test_the_checksum_matches_the_documented_bigbluebutton_example() -> None:
    # docs.bigbluebutton.org, API reference, "Usage": create with these parameters and this secret.
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    assert bbb_checksum("create", query, SECRET) == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"


class _FakeBBB(http.server.BaseHTTPRequestHandler):
    calls: list[str] = []
    answer = b"<response><returncode>SUCCESS</returncode></response>"

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        call = path.rsplit("/", 1)[-1]
        body, _, checksum = query.rpartition("&checksum=")
        ok = bbb_checksum(call, body, SECRET) == checksum
        type(self).calls.append(call if ok else f"{call}:bad-checksum")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(self.answer if ok else b"<response><returncode>FAILED</returncode></response>")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def fake_bbb() -> Iterator[str]:
    _FakeBBB.calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeBBB)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bigbluebutton/api/"
    server.shutdown()
    server.server_close()


def test_bigbluebutton_creates_the_room_then_signs_a_moderator_join(fake_bbb: str) -> None:
    provider = BigBlueButtonProvider(base_url=fake_bbb, secret=SECRET)
    facilitator_url = provider.join_url(_request(moderator=True))
    member_url = provider.join_url(_request(moderator=False))
    assert _FakeBBB.calls == ["create", "create"]
    facilitator = urllib.parse.parse_qs(urllib.parse.urlsplit(facilitator_url).query)
    member = urllib.parse.parse_qs(urllib.parse.urlsplit(member_url).query)
    assert facilitator["meetingID"] == ["cercles-salon-long"]
    assert facilitator["password"] != member["password"]
    query, _, checksum = urllib.parse.urlsplit(member_url).query.rpartition("&checksum=")
    assert bbb_checksum("join", query, SECRET) == checksum


def test_a_silent_bigbluebutton_server_is_reported_not_a_500() -> None:
    provider = BigBlueButtonProvider(base_url="http://127.0.0.1:9/bigbluebutton/api/", secret=SECRET, timeout=0.5)
    with pytest.raises(ProviderUnavailable):
        provider.join_url(_request())


def test_a_wrong_secret_is_refused_by_the_server(fake_bbb: str) -> None:
    with pytest.raises(ProviderUnavailable):
        BigBlueButtonProvider(base_url=fake_bbb, secret="pas-le-bon").join_url(_request())
    assert _FakeBBB.calls == ["create:bad-checksum"]


def test_jitsi_without_a_secret_is_the_room_address() -> None:
    assert (
        JitsiProvider(base_url="https://visio.exemple.fr/").join_url(_request())
        == "https://visio.exemple.fr/cercles-salon-long"
    )


def test_jitsi_with_a_secret_signs_a_token_for_the_room_and_the_role() -> None:
    url = JitsiProvider(
        base_url="https://visio.exemple.fr", app_id="cercles", secret="un-secret-partage-de-trente-deux-octets-au-moins"
    ).join_url(_request(True))
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["jwt"][0]
    claims = jwt.decode(
        token,
        "un-secret-partage-de-trente-deux-octets-au-moins",
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_nbf": False},
    )
    assert (claims["room"], claims["iss"], claims["sub"]) == ("cercles-salon-long", "cercles", "visio.exemple.fr")
    assert claims["context"]["user"]["moderator"] is True


def test_a_fixed_link_is_used_as_typed() -> None:
    assert (
        FixedLinkProvider("https://webconf.numerique.gouv.fr/abc").join_url(_request())
        == "https://webconf.numerique.gouv.fr/abc"
    )
