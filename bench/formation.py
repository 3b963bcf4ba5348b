"""Formation benchmark: from "run" to the result page at 200 and 2,000 applicants.

    .venv/bin/python bench/formation.py [--sizes 200 2000] [--seconds 10] [--previews 50] [--questions 0]

Builds a throw-away SQLite database file (or uses DATABASE_URL's server, in a test database), opens a
call with two slots and fills it with N varied applicants (organisations, types, job families,
départements; a third of them available at one slot only; with ``--questions N``, the call asks N
questions of its own, of four answers each, that everyone answers). For each size it starts a run the way
the site does, runs it in a worker thread (which spawns the engine's child process), polls the
progress fragment from the "browser" meanwhile (its server time shows whether the site stays
responsive), then renders the result page, and prints:

* end-to-end seconds from "run" to the result page, and the engine's share of them;
* server time of the progress fragment while the engine works (median, max);
* SQL queries of the management, progress, result and preview pages;
* a hand-edit preview's server time (median, p90, after the first) and the evaluator's own time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
_tmp = tempfile.mkdtemp(prefix="cercles-bench-")
os.environ.setdefault("CERCLES_DATA_DIR", _tmp)
# A database file, not memory: the worker thread and the "browser" share it, as on the site.
os.environ.setdefault("SQLITE_TEST_PATH", str(Path(_tmp) / "bench.sqlite3"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--seconds", type=int, default=10, help="the call's time budget")
    parser.add_argument("--previews", type=int, default=50)
    parser.add_argument("--questions", type=int, default=0, help="the call's own questions (0 to 6)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        override_settings,
        setup_databases,
        setup_test_environment,
        teardown_databases,
    )
    from django.urls import reverse

    from cercles.formation import services
    from cercles.formation.models import FormationRun
    from cercles.formation.services import QuestionFields
    from cercles.formation.tests.factories import make_applicants, make_call
    from tests.factories import make_user

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)

    def queries(client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(captured)

    try:
        coordinator = make_user("claire", is_staff=True)
        client = Client()
        client.force_login(coordinator)
        print(
            f"database: {connection.vendor}; time budget {args.seconds} s; {args.questions} questions of the call; "
            f"{os.cpu_count()} CPUs"
        )
        choices = ("a", "b", "c", "d")
        questions = tuple(QuestionFields(f"Question {n}", choices, weight=1) for n in range(1, args.questions + 1))
        # Everyone answers; answers vary with the applicant and the question.
        answers = [[choices[(index + n) % 4] for n in range(args.questions)] for index in range(7)]
        for size in args.sizes:
            call = make_call(coordinator, seconds=args.seconds, title=f"Banc {size}", questions=questions)
            make_applicants(call, size, organisations=size // 2, seed=size, answers=answers)
            # The task is queued, not run at once: a worker thread takes it, as `manage.py serve` does.
            with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
                started = time.perf_counter()
                run = services.run_start(call_id=call.pk, started_by=coordinator)
            worker = threading.Thread(
                target=lambda run_id=run.pk: (services.run_execute(run_id=run_id), connection.close())
            )
            worker.start()
            polls = []
            progress_url = reverse("formation:run_progress", args=[run.pk])
            while worker.is_alive():
                t = time.perf_counter()
                client.get(progress_url)
                polls.append((time.perf_counter() - t) * 1000)
                time.sleep(1.0)
            worker.join()
            result_url = reverse("formation:run", args=[run.pk])
            response = client.get(result_url)
            end_to_end = time.perf_counter() - started
            assert response.status_code == 200
            run = FormationRun.objects.get(pk=run.pk)
            placed = sum(len(g) for g in run.groups)
            share = 100 * (run.engine_seconds or 0) / end_to_end
            print(
                f"\n{size} applicants: {len(run.groups)} groups, {placed} placed, {len(run.unplaced)} unplaced; "
                f"{run.iterations} iterations; score {100 * run.objective / run.upper_bound:.2f} % of the bound "
                f"(random {100 * run.random_objective / run.upper_bound:.2f} %)"
            )
            engine = run.engine_seconds or 0.0
            print(f"  end to end, run → result page: {end_to_end:.1f} s; engine {engine:.1f} s ({share:.0f} %)")
            if polls:
                print(
                    f"  progress fragment while the engine works: median {statistics.median(polls):.0f} ms, "
                    f"max {max(polls):.0f} ms over {len(polls)} polls"
                )
            manage_url = reverse("formation:manage", args=[call.pk])
            person, target = run.groups[0][0], 2
            preview_url = f"{reverse('formation:run_preview', args=[run.pk])}?person={person}&group={target}"
            counts = [queries(client, url) for url in (manage_url, progress_url, result_url, preview_url)]
            print("  queries: management page {}, progress {}, result {}, preview {}".format(*counts))
            timings = []
            people = [p for group in run.groups for p in group]
            for index in range(args.previews):
                url = (
                    f"{reverse('formation:run_preview', args=[run.pk])}"
                    f"?person={people[index % len(people)]}&group={1 + index % len(run.groups)}"
                )
                t = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - t) * 1000)
            evaluator = services.run_evaluator(run)
            t = time.perf_counter()
            for index in range(1000):
                evaluator.move(people[index % len(people)], index % len(run.groups))
            engine_ms = time.perf_counter() - t
            p90 = statistics.quantiles(timings, n=10)[-1]
            print(
                f"  hand-edit preview: median {statistics.median(timings):.1f} ms, p90 {p90:.1f} ms "
                f"(server time); evaluator alone {engine_ms:.3f} ms per move"
            )
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
