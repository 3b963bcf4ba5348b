"""Benchmark of the grouping engine (cercles.grouping).

    python bench/grouping.py mdgp [--data DIR] [--sizes 120,240] [--jobs 2]
    python bench/grouping.py scale [--people 10000] [--seconds 50]

``mdgp`` runs the command line (``python -m cercles.grouping solve``) on every
MDGPLIB instance of ``../shared/bench/mdgp`` (relative to the repository root)
at the literature's time limits, re-checks each answer against the instance
file and prints objective, best known, gap % and seconds, then means per size.
``scale`` builds a synthetic attribute problem (skewed values, groups of 6-8,
one slot constraint), solves it in-process and prints time, memory and the
score as a share of the upper bound, against a random valid assignment.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / ".." / "shared" / "bench" / "mdgp"
LIMITS = {120: 3.0, 240: 20.0, 480: 120.0}
"""Seconds per run used in the literature; smaller instances get 1 s."""


def _read(
    path: Path,
) -> tuple[int, list[tuple[int, int]], dict[tuple[int, int], float]]:
    lines = path.read_text().split("\n")
    head = lines[0].split()
    n, m = int(head[0]), int(head[1])
    bounds = [(int(head[3 + 2 * k]), int(head[4 + 2 * k])) for k in range(m)]
    distances = {}
    for line in lines[1:]:
        fields = line.split()
        if fields:
            i, j = int(fields[0]), int(fields[1])
            distances[(min(i, j), max(i, j))] = float(fields[2])
    return n, bounds, distances


def _check(path: Path, groups: list[list[int]]) -> float:
    """Recompute the objective from the file; raise if the answer is invalid."""
    n, bounds, distances = _read(path)
    if sorted(i for g in groups for i in g) != list(range(n)):
        raise ValueError(f"{path.name}: not every index exactly once")
    if len(groups) != len(bounds):
        raise ValueError(f"{path.name}: {len(groups)} groups")
    total = 0.0
    for group, (low, high) in zip(groups, bounds, strict=True):
        if not low <= len(group) <= high:
            raise ValueError(f"{path.name}: group size {len(group)} not in {low}..{high}")
        for a in range(len(group)):
            for b in range(a + 1, len(group)):
                i, j = sorted((group[a], group[b]))
                total += distances[(i, j)]
    return total


def _run(path: Path, seconds: float, seed: int) -> dict[str, object]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cercles.grouping",
            "solve",
            str(path),
            "--seconds",
            str(seconds),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{path.name}: exit {done.returncode}: {done.stderr}")
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def mdgp(args: argparse.Namespace) -> int:
    """Run the MDGPLIB instances and print gaps."""
    data = Path(args.data)
    best = {}
    with open(data / "best_known.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            best[row["instance"]] = float(row["best_known"])
    sizes = {int(s) for s in args.sizes.split(",")} if args.sizes else None
    files = sorted((data / "instances").glob("*/*.txt"))
    chosen = []
    for path in files:
        n = int(path.name.split("_n")[1][:3])
        if (sizes is None or n in sizes) and (args.only is None or args.only in path.name):
            chosen.append((n, path))
    chosen.sort(key=lambda item: (-item[0], item[1].name))

    def one(item: tuple[int, Path]) -> tuple[int, str, float, float | None, float, int]:
        n, path = item
        answer = _run(path, LIMITS.get(n, 1.0) * args.scale, args.seed)
        groups = answer["groups"]
        assert isinstance(groups, list)
        value = _check(path, groups)
        reported = float(answer["objective"])  # type: ignore[arg-type]
        if abs(value - reported) > 1e-6 * max(1.0, abs(value)):
            raise ValueError(f"{path.name}: reported {reported}, recomputed {value}")
        return (
            n,
            path.stem,
            value,
            best.get(path.stem),
            float(answer["seconds"]),  # type: ignore[arg-type]
            int(answer["iterations"]),
        )  # type: ignore[call-overload]

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, chosen))
    results.sort(key=lambda r: (r[0], r[1]))
    print(f"{'instance':<22} {'objective':>12} {'best known':>12} {'gap %':>7} {'seconds':>7} {'iterations':>10}")
    by_size: dict[int, list[tuple[float, float]]] = {}
    for n, name, value, known, seconds, iterations in results:
        gap = None if known is None else 100.0 * (known - value) / known
        by_size.setdefault(n, []).append((gap if gap is not None else float("nan"), seconds))
        shown = "-" if gap is None else f"{gap:7.3f}"
        print(
            f"{name:<22} {value:12.3f} {known if known is not None else '-':>12} "
            f"{shown:>7} {seconds:7.2f} {iterations:10d}"
        )
    print("\nmeans per size (all answers valid)")
    for n in sorted(by_size):
        gaps = [g for g, _ in by_size[n]]
        print(
            f"n={n:<4} instances={len(gaps):<3} mean gap {statistics.fmean(gaps):.3f} %"
            f"  max gap {max(gaps):.3f} %  mean seconds "
            f"{statistics.fmean(s for _, s in by_size[n]):.2f}"
        )
    return 0


def scale(args: argparse.Namespace) -> int:
    """Synthetic 10,000-applicant attribute problem: time, memory, quality."""
    import numpy as np

    from cercles.grouping import (
        Attribute,
        Person,
        Problem,
        attribute_upper_bound,
        groups_for_target,
        solve,
    )

    rng = np.random.default_rng(args.seed)
    n = args.people
    # Skewed frequencies (Zipf-like): a few large organisations, many small.
    shapes = {"organisation": 60, "role": 12, "territory": 18, "seniority": 5}
    columns = {}
    for name, values in shapes.items():
        weights = 1.0 / np.arange(1, values + 1) ** 1.1
        columns[name] = rng.choice(values, size=n, p=weights / weights.sum())
    slots = ("mardi-matin", "jeudi-apres-midi", "vendredi-matin")
    people = []
    for i in range(n):
        # Most people can attend two of the three slots, some only one.
        count = 1 if rng.random() < 0.2 else 2
        chosen = rng.choice(3, size=count, replace=False)
        people.append(
            Person(
                id=f"p{i}",
                attributes={k: f"{k}-{int(columns[k][i])}" for k in shapes},
                slots=frozenset(slots[int(c)] for c in chosen),
            )
        )
    groups = groups_for_target(n, 7, 6, 8)
    problem = Problem(
        people=tuple(people),
        groups=groups,
        attributes=(
            Attribute("organisation", 3.0),
            Attribute("role", 2.0),
            Attribute("territory", 2.0),
            Attribute("seniority", 1.0),
        ),
        require_shared_slot=True,
    )
    started = time.perf_counter()
    solution = solve(problem, seed=args.seed, seconds=args.seconds)
    elapsed = time.perf_counter() - started
    memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    sizes = [len(g) for g in solution.groups]
    bound = attribute_upper_bound(problem, sizes)
    # Random valid assignment: the engine's starting grouping (zero search
    # iterations) deals people at random among the groups they may join,
    # without looking at attributes.
    random_value = solve(problem, seed=args.seed + 1, max_iterations=0).objective
    solver_share = solution.objective / bound
    random_share = random_value / bound
    closed = (solution.objective - random_value) / (bound - random_value)
    print(f"people {n}, groups {len(groups)} of 6-8, unplaced {len(solution.unplaced)}")
    print(
        f"valid: {solution.certificate.holds}; wall time {elapsed:.1f} s "
        f"(iterations {solution.iterations}, stop {solution.stop_reason})"
    )
    print(f"peak memory (maxrss) {memory_mb:.0f} MB")
    print(f"upper bound {bound:.0f}")
    print(f"solver  {solution.objective:.0f}  = {100 * solver_share:.3f} % of bound")
    print(f"random  {random_value:.0f}  = {100 * random_share:.3f} % of bound")
    print(f"(solver - random) / (bound - random) = {100 * closed:.2f} %")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("mdgp", help="MDGPLIB instances at literature limits")
    run.add_argument("--data", default=str(DEFAULT_DATA))
    run.add_argument("--sizes", default=None, help="e.g. 120,240")
    run.add_argument("--only", default=None, help="substring of instance names")
    run.add_argument("--jobs", type=int, default=1)
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--scale", type=float, default=1.0, help="multiply time limits")
    big = commands.add_parser("scale", help="10,000 applicants, attribute mode")
    big.add_argument("--people", type=int, default=10_000)
    big.add_argument("--seconds", type=float, default=45.0)
    big.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    return mdgp(args) if args.command == "mdgp" else scale(args)


if __name__ == "__main__":
    sys.exit(main())
