"""One-off background work of the formation: a run of the engine (the task takes an id, calls a service)."""

from __future__ import annotations

from django_tasks import task

from cercles.formation.services import run_execute


@task()
def execute_run(run_id: int) -> None:
    run_execute(run_id=run_id)
