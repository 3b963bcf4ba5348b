"""The English catalogue follows the code: every French string in the code has its English translation.

``makemessages`` runs on a copy of the code (the real catalogue is not touched), then the copy's
English catalogue must have no untranslated and no fuzzy entry — a new string without its English
translation fails here, not in front of an English-speaking user.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext (msgfmt, xgettext)")


def _statistics(po_file: Path) -> str:
    msgfmt = shutil.which("msgfmt") or "msgfmt"
    result = subprocess.run(  # noqa: S603 - the test's own fixed arguments
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(po_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def test_the_committed_english_catalogue_is_complete_and_compiles() -> None:
    statistics = _statistics(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert "untranslated" not in statistics
    assert "fuzzy" not in statistics


def test_every_string_of_the_code_has_its_english_translation(tmp_path: Path) -> None:
    for name in ("cercles", "config", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(tmp_path)},
    )
    statistics = _statistics(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert "untranslated" not in statistics, f"run `make messages` and translate: {statistics}"
    assert "fuzzy" not in statistics, f"run `make messages` and check the fuzzy entries: {statistics}"
