"""The participants of circles as a spreadsheet: CSV for French spreadsheets (``;``, UTF-8 BOM) or ODS.

Rows come from ``selectors.participant_list_for_export``, which asks the policy
(``circles.export_participants``); this module only lays them out.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import tablib
from django.utils import timezone
from django.utils.translation import gettext as _

from cercles.circles.models import Membership

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): names and
# organisations are typed by people, so such a cell is written as text with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def participants_dataset(memberships: Iterable[Membership], *, as_text: bool = False) -> tablib.Dataset:
    """One row per person and circle. ``as_text`` defuses formula-like cells (for CSV)."""
    dataset = tablib.Dataset(
        headers=[
            _("Cercle"),
            _("Nom"),
            _("Adresse e-mail"),
            _("Organisation"),
            _("Type d'organisation"),
            _("Famille de métiers"),
            _("Département"),
            _("Rôle"),
            _("Statut"),
            _("Date d'entrée"),
        ]
    )
    for membership in memberships:
        profile = getattr(membership.user, "profile", None)
        organisation = profile.organisation if profile else None
        row: list[str | datetime.date] = [
            membership.circle.title,
            membership.user.display_name,
            membership.user.email,
            organisation.name if organisation else "",
            organisation.get_kind_display() if organisation else "",
            profile.job_family.name if profile and profile.job_family else "",
            str(profile.departement) if profile and profile.departement else "",
            membership.get_role_display(),
            membership.get_status_display(),
            timezone.localdate(membership.joined_at) if membership.joined_at else "",
        ]
        dataset.append([_defused(cell) if as_text else cell for cell in row])
    return dataset


def _defused(cell: str | datetime.date) -> str | datetime.date:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return f"'{cell}"
    return cell


def participants_file(memberships: Iterable[Membership], *, file_format: str) -> bytes:
    """The file's bytes: ``csv`` (semicolons and a BOM, so that French spreadsheets open it right) or ``ods``."""
    if file_format == "csv":
        text = participants_dataset(memberships, as_text=True).export("csv", delimiter=";")
        return ("\ufeff" + text).encode("utf-8")
    if file_format == "ods":
        return participants_dataset(memberships).export("ods")  # type: ignore[no-any-return]
    raise ValueError(f"Unknown export format {file_format!r}")
