"""Running actions at the same instant in real threads, each on its own database connection (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.db import connections


def run_at_once(
    actions: Sequence[Callable[[], object]], *, expected: tuple[type[BaseException], ...] = ()
) -> list[BaseException]:
    """Start every action behind one barrier; return the errors raised, except those of ``expected`` types
    (a refusal the race is meant to produce)."""
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            action()
        except expected:
            pass
        except BaseException as error:  # reported to the test, which fails on any
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors
