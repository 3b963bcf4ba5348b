from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cercles.formation.models import Call, FormationRun
from cercles.formation.services import run_start
from cercles.formation.tests.factories import make_call
from cercles.people.models import User


@pytest.fixture
def call(claire: User) -> Call:
    """An open codéveloppement call (groups of 6 to 8, two slots) run by coordinator Claire."""
    return make_call(claire, seconds=1)


@pytest.fixture
def run_now(django_capture_on_commit_callbacks: Any, claire: User) -> Callable[..., FormationRun]:
    """Start a run and let the task worker (immediate in the tests) run it in its child process."""

    def start(call: Call, **options: Any) -> FormationRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = run_start(call_id=call.pk, started_by=claire, **options)
        return FormationRun.objects.get(pk=run.pk)

    return start
