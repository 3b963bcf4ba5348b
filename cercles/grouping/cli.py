"""Command line: ``python -m cercles.grouping solve FILE --seconds S --seed K``.

Prints one JSON object (objective, seconds, iterations, groups as lists of
indices) after checking the answer; on bad input prints a message on stderr
and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from cercles.grouping.exceptions import GroupingError
from cercles.grouping.mdgplib import Instance, read_instance
from cercles.grouping.model import Person, Problem
from cercles.grouping.solver import solve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cercles.grouping")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("solve", help="solve an MDGPLIB instance file")
    run.add_argument("file", type=Path)
    run.add_argument("--seconds", type=float, default=None, help="wall-time cap")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--iterations", type=int, default=None, help="iteration budget")
    return parser


def verify_groups(instance: Instance, groups: Sequence[Sequence[int]]) -> None:
    """Check that every index appears once and every group obeys its bounds."""
    n = instance.distances.shape[0]
    flat = sorted(i for group in groups for i in group)
    if flat != list(range(n)):
        raise AssertionError("the answer does not place every index exactly once")
    for k, (group, bounds) in enumerate(zip(groups, instance.groups, strict=True)):
        if not bounds.min_size <= len(group) <= bounds.max_size:
            raise AssertionError(f"group {k} has {len(group)} members")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.seconds is None and args.iterations is None:
        print("error: give --seconds, --iterations or both", file=sys.stderr)
        return 2
    try:
        instance = read_instance(args.file)
        n = instance.distances.shape[0]
        problem = Problem(
            people=tuple(Person(str(i)) for i in range(n)),
            groups=instance.groups,
            distances=instance.distances,
        )
        solution = solve(
            problem,
            seed=args.seed,
            max_iterations=args.iterations,
            seconds=args.seconds,
        )
    except GroupingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    groups = [sorted(int(p) for p in members) for members in solution.groups]
    verify_groups(instance, groups)
    print(
        json.dumps(
            {
                "objective": round(solution.objective, 6),
                "seconds": round(solution.seconds, 3),
                "iterations": solution.iterations,
                "seed": solution.seed,
                "groups": groups,
            }
        )
    )
    return 0
