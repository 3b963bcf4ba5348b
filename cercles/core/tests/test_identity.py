"""The programme's identity: set by coordinators, checked (contrast, logo), shown on every page and e-mail."""

from __future__ import annotations

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cercles.core import services
from cercles.core.colours import contrast_ratio, darker, rgb
from cercles.core.models import ProgrammeIdentity
from cercles.core.policy import PolicyDenied
from cercles.core.selectors import identity
from cercles.core.services import IdentityChanges, IdentityEditConflict, IdentityError, identity_update
from cercles.notifications.registry import render_templates
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def image_file(
    image_format: str = "PNG", size: tuple[int, int] = (120, 60), name: str = "logo.png"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 83, 148)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


def changes(**overrides: object) -> IdentityChanges:
    values: dict[str, object] = {"name": "Cercles Bretagne", "tagline": "", "accent_colour": "#6a1b9a"}
    return IdentityChanges(**{**values, **overrides})  # type: ignore[arg-type]


def test_until_coordinators_set_it_the_identity_is_the_settings_name_and_the_default_colour(settings) -> None:
    settings.PROGRAMME_NAME = "Cercles Occitanie"
    current = identity()
    assert (current.name, current.accent_colour, current.has_logo, current.version) == (
        "Cercles Occitanie",
        "#0b5394",
        False,
        0,
    )


def test_a_coordinator_sets_name_line_colour_and_logo(claire, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        row = identity_update(
            editor=claire,
            version=0,
            changes=changes(name="  Cercles   Bretagne ", tagline="Entre pairs, en Bretagne", logo=image_file()),
        )
    assert (row.name, row.tagline, row.accent_colour, row.version) == (
        "Cercles Bretagne",
        "Entre pairs, en Bretagne",
        "#6a1b9a",
        1,
    )
    assert row.logo.name.endswith(".png")
    current = identity()
    assert (current.name, current.has_logo, current.logo_extension, current.version) == (
        "Cercles Bretagne",
        True,
        "png",
        1,
    )


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie"])
def test_only_coordinators_change_the_identity(request, persona: str) -> None:
    with pytest.raises(PolicyDenied):
        identity_update(editor=request.getfixturevalue(persona), version=0, changes=changes())
    assert not ProgrammeIdentity.objects.exists()


@pytest.mark.parametrize(
    ("colour", "accepted"),
    [("#0b5394", True), ("#767676", True), ("#777777", False), ("#ffbf47", False), ("#FFFFFF", False)],
)
def test_a_colour_below_4_5_to_1_with_white_is_refused_with_its_ratio(
    claire, colour: str, accepted: bool, django_capture_on_commit_callbacks
) -> None:
    if accepted:
        with django_capture_on_commit_callbacks(execute=True):
            identity_update(editor=claire, version=0, changes=changes(accent_colour=colour))
        assert identity().accent_colour == colour.lower()
    else:
        with pytest.raises(IdentityError, match=r"contraste de .*:1 avec le blanc") as refusal:
            identity_update(editor=claire, version=0, changes=changes(accent_colour=colour))
        assert refusal.value.field == "accent_colour"


@pytest.mark.parametrize("colour", ["bleu", "#12345", "#12345g", "0b5394"])
def test_a_malformed_colour_is_refused(claire, colour: str) -> None:
    with pytest.raises(IdentityError, match="#rrvvbb"):
        identity_update(editor=claire, version=0, changes=changes(accent_colour=colour))


def test_the_darker_shade_of_an_accepted_colour_still_reads_on_white() -> None:
    assert contrast_ratio(rgb(darker("#767676")), rgb("#ffffff")) > contrast_ratio(rgb("#767676"), rgb("#ffffff"))


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        SimpleUploadedFile("logo.png", b"not an image at all"),
        image_file("GIF", name="logo.gif"),
        image_file("PNG", name="logo.svg").__class__("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30),
    ],
    ids=["svg", "text", "gif", "truncated-png"],
)
def test_only_png_and_jpeg_logos_are_accepted(claire, upload: SimpleUploadedFile) -> None:
    with pytest.raises(IdentityError, match="PNG ou JPEG") as refusal:
        identity_update(editor=claire, version=0, changes=changes(logo=upload))
    assert refusal.value.field == "logo"
    assert not ProgrammeIdentity.objects.exists()


def test_a_jpeg_logo_is_accepted(claire) -> None:
    row = identity_update(editor=claire, version=0, changes=changes(logo=image_file("JPEG", name="logo.jpeg")))
    assert row.logo.name.endswith(".jpg")


def test_a_logo_too_heavy_or_too_wide_is_refused(claire, monkeypatch) -> None:
    with pytest.raises(IdentityError, match="2000 pixels"):
        identity_update(editor=claire, version=0, changes=changes(logo=image_file(size=(2400, 100))))
    monkeypatch.setattr(services, "LOGO_MAX_BYTES", 100)
    with pytest.raises(IdentityError, match="512 Ko"):
        identity_update(editor=claire, version=0, changes=changes(logo=image_file()))


def test_replacing_then_removing_the_logo_deletes_the_old_files(
    claire, tmp_path, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = identity_update(editor=claire, version=0, changes=changes(logo=image_file()))
    first_file = tmp_path / first.logo.name
    assert first_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        second = identity_update(editor=claire, version=1, changes=changes(logo=image_file("JPEG", name="l.jpg")))
    assert not first_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        identity_update(editor=claire, version=2, changes=changes(remove_logo=True))
    assert not (tmp_path / second.logo.name).exists()
    assert identity().has_logo is False


def test_an_edit_on_an_older_version_is_refused(claire) -> None:
    identity_update(editor=claire, version=0, changes=changes(name="Première version"))
    with pytest.raises(IdentityEditConflict):
        identity_update(editor=claire, version=0, changes=changes(name="Écrasement"))
    assert ProgrammeIdentity.objects.get().name == "Première version"


def test_an_empty_name_is_refused(claire) -> None:
    with pytest.raises(IdentityError, match="nom"):
        identity_update(editor=claire, version=0, changes=changes(name="   "))


def test_pages_and_emails_carry_the_new_identity(claire, client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        identity_update(
            editor=claire,
            version=0,
            changes=changes(name="Cercles Normandie", tagline="Apprendre entre pairs", logo=image_file()),
        )
    page = html.unescape(client.get("/").content.decode())
    assert "<title>" in page
    assert "· Cercles Normandie</title>" in page
    assert "Cercles Normandie — Apprendre entre pairs" in page
    assert 'href="/programme/identite-1.css"' in page
    assert 'src="/programme/logo-1.png"' in page
    rendered = render_templates("circles/email/facilitator_invitation", {"invitation": None})
    assert rendered.subject.startswith("[Cercles Normandie] ")
    assert "Cercles Normandie — apprentissage et entraide entre pairs" in rendered.body


def test_the_stylesheet_carries_the_colour_and_is_cached_under_its_version(
    claire, client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        identity_update(editor=claire, version=0, changes=changes(accent_colour="#6a1b9a"))
    response = client.get("/programme/identite-1.css")
    assert response["Content-Type"].startswith("text/css")
    assert "immutable" in response["Cache-Control"]
    css = response.content.decode()
    assert "--bs-btn-bg: #6a1b9a" in css
    assert "--bs-link-color-rgb: 106, 27, 154" in css
    stale = client.get("/programme/identite-0.css")
    assert "--bs-btn-bg: #6a1b9a" in stale.content.decode()
    assert "immutable" not in stale.get("Cache-Control", "")


def test_the_logo_is_served_from_storage_only_under_its_current_address(
    claire, client, django_capture_on_commit_callbacks
) -> None:
    assert client.get("/programme/logo-0.png").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        identity_update(editor=claire, version=0, changes=changes(logo=image_file()))
    response = client.get("/programme/logo-1.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"\x89PNG")
    assert client.get("/programme/logo-1.jpg").status_code == 404
    assert client.get("/programme/logo-2.png").status_code == 404


def test_the_coordination_page_keeps_what_was_typed_when_the_colour_is_refused(claire) -> None:
    coordinator = client_for(claire)
    response = coordinator.post(
        "/programme/identite/",
        {"name": "Cercles Grand Est", "tagline": "Une ligne", "accent_colour": "#ffbf47", "version": "0"},
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "avec le blanc : il faut au moins 4,5" in page
    assert 'value="Cercles Grand Est"' in page
    assert 'value="Une ligne"' in page
    assert not ProgrammeIdentity.objects.exists()


def test_the_coordination_page_saves_and_says_so(claire, django_capture_on_commit_callbacks) -> None:
    coordinator = client_for(claire)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            "/programme/identite/",
            {
                "name": "Cercles Grand Est",
                "tagline": "",
                "accent_colour": "#0b5394",
                "version": "0",
                "logo": image_file(),
            },
            follow=True,
        )
    assert "L&#x27;identité du programme est enregistrée." in response.content.decode()
    assert identity().name == "Cercles Grand Est"


def test_the_coordination_page_keeps_the_typing_on_a_concurrent_edit(claire) -> None:
    identity_update(editor=claire, version=0, changes=changes(name="Version d'une collègue"))
    response = client_for(claire).post(
        "/programme/identite/", {"name": "Ma version", "tagline": "", "accent_colour": "#0b5394", "version": "0"}
    )
    page = html.unescape(response.content.decode())
    assert "modifiée entre-temps" in page
    assert 'value="Ma version"' in page
    assert 'name="version" value="1"' in page


def test_the_identity_is_read_once_then_served_from_the_cache(django_assert_num_queries) -> None:
    from django.core.cache import cache

    from cercles.core.selectors import IDENTITY_CACHE_KEY

    cache.delete(IDENTITY_CACHE_KEY)
    with django_assert_num_queries(1):
        identity()
    with django_assert_num_queries(0):
        assert identity().version == 0
