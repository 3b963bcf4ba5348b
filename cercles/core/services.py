"""Writes of the programme-wide records: the programme's identity, set by coordinators."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from cercles.core.colours import HEX_COLOUR, MINIMUM_TEXT_CONTRAST, WHITE, contrast_ratio, rgb
from cercles.core.exceptions import ConcurrentEditError, DomainError
from cercles.core.models import ProgrammeIdentity
from cercles.core.page_cache import public_pages_changed
from cercles.core.policy import require
from cercles.core.selectors import IDENTITY_CACHE_KEY, identity_for_edit

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 2000
# Pillow's names of the formats accepted: raster images only. SVG can carry scripts and is never
# accepted; Pillow cannot even open it, so it is refused with the others.
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}

IDENTITY_EDITED_MEANWHILE = _(
    "L'identité du programme a été modifiée entre-temps par quelqu'un d'autre. "
    "Rechargez la page pour voir la nouvelle version, puis refaites vos changements."
)
NAME_REQUIRED = _("Donnez un nom au programme.")
COLOUR_MALFORMED = _("La couleur doit s'écrire #rrvvbb, par exemple #0b5394.")
COLOUR_TOO_LIGHT = _(
    "Cette couleur n'a qu'un contraste de {ratio} avec le blanc : il faut au moins 4,5 pour que les "
    "liens et les boutons restent lisibles. Choisissez une teinte plus foncée."
)
LOGO_TOO_LARGE = _("Le logo pèse plus de 512 Ko : réduisez-le avant de l'envoyer.")
LOGO_NOT_AN_IMAGE = _("Le logo doit être une image PNG ou JPEG (les fichiers SVG ne sont pas acceptés).")
LOGO_TOO_WIDE = _("Le logo dépasse 2000 pixels de côté : réduisez-le avant de l'envoyer.")


class IdentityError(DomainError):
    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(str(message))
        self.field = field


class IdentityEditConflict(ConcurrentEditError):
    def __init__(self) -> None:
        super().__init__(IDENTITY_EDITED_MEANWHILE)


@dataclass(frozen=True)
class IdentityChanges:
    name: str
    tagline: str
    accent_colour: str
    logo: UploadedFile | None = None  # a new logo; None keeps the current one
    remove_logo: bool = False


def check_accent_colour(colour: str) -> str:
    """The colour, lower-cased, if white text on it (and it as text on white) reaches 4.5:1."""
    colour = colour.strip().lower()
    if not HEX_COLOUR.match(colour):
        raise IdentityError(COLOUR_MALFORMED, field="accent_colour")
    ratio = contrast_ratio(rgb(colour), rgb(WHITE))
    if ratio < MINIMUM_TEXT_CONTRAST:
        # Rounded down, so that the message never shows 4,5 for a ratio just under it.
        shown = f"{int(ratio * 100) / 100:.2f}".replace(".", ",")
        raise IdentityError(str(COLOUR_TOO_LIGHT).format(ratio=f"{shown}:1"), field="accent_colour")
    return colour


def check_logo(upload: UploadedFile) -> str:
    """The file's extension (png, jpg) once Pillow has read it as a PNG or JPEG of a sensible size."""
    if upload.size is None or upload.size > LOGO_MAX_BYTES:
        raise IdentityError(LOGO_TOO_LARGE, field="logo")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise IdentityError(LOGO_NOT_AN_IMAGE, field="logo") from error
    finally:
        upload.seek(0)
    if image_format not in LOGO_FORMATS:
        raise IdentityError(LOGO_NOT_AN_IMAGE, field="logo")
    if max(width, height) > LOGO_MAX_PIXELS:
        raise IdentityError(LOGO_TOO_WIDE, field="logo")
    return LOGO_FORMATS[image_format]


@transaction.atomic
def identity_update(*, editor: object, version: int, changes: IdentityChanges) -> ProgrammeIdentity:
    """Save the programme's identity. Coordinators only (``programme.administer``).

    Refuses an edit made on an older version (IdentityEditConflict), checked under the row lock; refuses
    a colour below 4.5:1 with white, and a logo that is not a PNG or JPEG within 512 KB and 2000 px.
    The pages and e-mails show the new identity from the commit on (the cache is refreshed then).
    """
    require(editor, "programme.administer")
    name = " ".join(changes.name.split())
    if not name:
        raise IdentityError(NAME_REQUIRED, field="name")
    colour = check_accent_colour(changes.accent_colour)
    extension = check_logo(changes.logo) if changes.logo is not None else ""

    row = ProgrammeIdentity.objects.select_for_update().filter(pk=1).first()
    if row is None:
        if version != 0:
            raise IdentityEditConflict()
        row = identity_for_edit()
    elif row.version != version:
        raise IdentityEditConflict()
    row.name = name
    row.tagline = " ".join(changes.tagline.split())
    row.accent_colour = colour
    old_logo = row.logo.name if row.logo else ""
    if changes.remove_logo:
        row.logo = None  # type: ignore[assignment]
    if changes.logo is not None:
        row.logo.save(f"logo.{extension}", changes.logo, save=False)
    row.version = (row.version or 0) + 1
    row.updated_at = timezone.now()
    row.save()
    if old_logo and old_logo != (row.logo.name if row.logo else ""):
        storage = row.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    transaction.on_commit(lambda: cache.delete(IDENTITY_CACHE_KEY))
    public_pages_changed()
    return row
