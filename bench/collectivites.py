"""The official collectivités' lookup (cercles/people/collectivites.py): first load, then suggestions.

    .venv/bin/python bench/collectivites.py [--queries 2000]

No database: the shipped CSV (communes, EPCI, départements, régions) is read and indexed in memory.
Prints the time and the memory the first load takes (the memory measured with tracemalloc on a
second load, which slows it), then the median and 95th percentile in milliseconds of ``suggest``
for what people type: the start of a real name (three letters to the whole of it), two words of a
name in any order, and the worst case, a word in almost every label ("commune").
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc

import common  # noqa: F401  (first: the settings module and the path)
import django

django.setup()

from cercles.people import collectivites  # noqa: E402
from cercles.people.selectors import SUGGESTION_COUNT  # noqa: E402


def typed_texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names = [c.name for c in collectivites.all_collectivites()]
    texts = []
    for _ in range(count):
        name = rng.choice(names)
        if rng.random() < 0.8:
            texts.append(name[: rng.randint(3, max(3, len(name)))])
        else:
            words = name.replace("-", " ").split()
            texts.append(" ".join(rng.sample(words, min(2, len(words)))))
    return texts


def time_suggestions(texts: list[str]) -> list[float]:
    timings = []
    for text in texts:
        start = time.perf_counter()
        collectivites.suggest(text, SUGGESTION_COUNT)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()

    start = time.perf_counter()
    entries = len(collectivites.all_collectivites())
    load_ms = (time.perf_counter() - start) * 1000
    collectivites._index.cache_clear()
    tracemalloc.start()
    collectivites.all_collectivites()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    memory = f"{held / 2**20:.1f} MiB held ({peak / 2**20:.1f} MiB peak)"
    print(f"first load: {entries} collectivités in {load_ms:.0f} ms, {memory}")

    timings = time_suggestions(typed_texts(args.queries))
    print(
        f"suggest, {len(timings)} texts typed: median {statistics.median(timings):.2f} ms, "
        f"p95 {statistics.quantiles(timings, n=20)[-1]:.2f} ms, max {max(timings):.2f} ms"
    )
    worst = time_suggestions(["commune"] * 50)
    print(f"suggest 'commune' (matches ~35,000 labels): median {statistics.median(worst):.2f} ms")


if __name__ == "__main__":
    main()
