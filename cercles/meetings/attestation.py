"""The attestation de participation (PDF, fpdf2): the circle, the dates attended and the hours.

Public employers ask for it to count training time. The programme's name is the one its coordinators
set (``cercles.core.selectors.programme_name``); the signatory comes from settings
(``ATTESTATION_SIGNATORY``). The core PDF fonts are Latin-1: characters outside it (typographic
apostrophes, "œ") are replaced by their nearest Latin-1 spelling.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import formats, timezone
from fpdf import FPDF

from cercles.core.selectors import programme_name
from cercles.meetings.planning import PARIS
from cercles.meetings.selectors import AttestationData

_REPLACEMENTS = {"’": "'", "œ": "oe", "Œ": "OE", "–": "-", "—": "-", "…": "...", "«": '"', "»": '"', "\u202f": " "}


def _latin1(text: str) -> str:
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes % 60 else f"{minutes // 60} h"


def attestation_pdf(data: AttestationData) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Attestation de participation - {data.circle.title}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, _latin1("Attestation de participation"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 7, _latin1(programme_name()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    person = data.person.get_full_name() or data.person.email
    text = (
        f"{settings.ATTESTATION_SIGNATORY} atteste que {person} a participé au cercle "
        f"« {data.circle.title} » ({data.circle.kind.name}) aux séances suivantes :"
    )
    pdf.multi_cell(0, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for meeting in data.meetings:
        start = timezone.localtime(meeting.starts_at, PARIS)
        end = timezone.localtime(meeting.ends_at, PARIS)
        day = formats.date_format(start, "l j F Y")
        line = f"- {day}, de {start:%H:%M} à {end:%H:%M} ({_hours(meeting.duration_minutes)})"
        pdf.multi_cell(0, 7, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    total = f"Soit {len(data.meetings)} séance(s) et {_hours(data.total_minutes)} de participation (heures de Paris)."
    pdf.multi_cell(0, 7, _latin1(total), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    issued = formats.date_format(timezone.localdate(), "j F Y")
    pdf.multi_cell(0, 7, _latin1(f"Fait le {issued}."), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, _latin1(settings.ATTESTATION_SIGNATORY), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
