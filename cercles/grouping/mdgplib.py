"""Reader for MDGPLIB instance files (Gallego et al. 2013 benchmark format).

First line ``n m ss|ds a1 b1 ... am bm``; then one line ``i j d`` per unordered
pair (0-based, i != j). Every error names the line concerned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cercles.grouping.exceptions import ErrorCode, InvalidInstanceFile
from cercles.grouping.model import FloatMatrix, GroupBounds


@dataclass(frozen=True)
class Instance:
    """A parsed instance: distances and the bounds of each group."""

    distances: FloatMatrix
    groups: tuple[GroupBounds, ...]
    kind: str


def _error(line: int, message: str) -> InvalidInstanceFile:
    return InvalidInstanceFile(ErrorCode.MALFORMED_INSTANCE, f"line {line}: {message}", {"line": line})


def _integer(token: str, line: int, what: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise _error(line, f"{what} {token!r} is not an integer") from None


def read_instance(path: Path) -> Instance:
    """Read and validate an instance file; raise :class:`InvalidInstanceFile`."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInstanceFile(ErrorCode.MALFORMED_INSTANCE, f"cannot read {path}: {error}", {"line": 0}) from None
    return parse_instance(text)


def parse_instance(text: str) -> Instance:
    """Parse instance text; raise :class:`InvalidInstanceFile` naming the line."""
    lines = text.split("\n")
    header = lines[0].split() if lines else []
    if len(header) < 3:
        raise _error(1, "expected 'n m ss|ds a1 b1 ... am bm'")
    n = _integer(header[0], 1, "n")
    m = _integer(header[1], 1, "m")
    kind = header[2]
    if n < 1 or m < 1:
        raise _error(1, f"n and m must be positive, got n={n}, m={m}")
    if kind not in ("ss", "ds"):
        raise _error(1, f"type must be ss or ds, got {kind!r}")
    if len(header) != 3 + 2 * m:
        raise _error(1, f"expected {2 * m} bounds for {m} groups, got {len(header) - 3}")
    bounds = [_integer(t, 1, "bound") for t in header[3:]]
    groups = tuple(GroupBounds(bounds[2 * k], bounds[2 * k + 1]) for k in range(m))
    for k, group in enumerate(groups):
        if group.min_size < 0 or group.max_size < group.min_size or group.max_size < 1:
            raise _error(1, f"group {k} has bounds {group.min_size} {group.max_size}")
    low = sum(g.min_size for g in groups)
    high = sum(g.max_size for g in groups)
    if not low <= n <= high:
        raise _error(1, f"group bounds sum to {low}..{high}, cannot hold n={n}")
    distances = np.full((n, n), np.nan, dtype=np.float64)
    np.fill_diagonal(distances, 0.0)
    expected = n * (n - 1) // 2
    seen = 0
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise _error(number, f"expected 'i j d', got {line.strip()!r}")
        i = _integer(fields[0], number, "index")
        j = _integer(fields[1], number, "index")
        try:
            d = float(fields[2])
        except ValueError:
            raise _error(number, f"distance {fields[2]!r} is not a number") from None
        if not (0 <= i < n and 0 <= j < n) or i == j:
            raise _error(number, f"pair ({i}, {j}) is not two distinct indices < {n}")
        if not math.isfinite(d) or d < 0:
            raise _error(number, f"distance {fields[2]} must be finite and >= 0")
        if not np.isnan(distances[i, j]):
            raise _error(number, f"pair ({i}, {j}) appears twice")
        distances[i, j] = distances[j, i] = d
        seen += 1
    if seen != expected:
        i, j = (int(x) for x in np.argwhere(np.isnan(distances))[0])
        raise _error(
            len(lines),
            f"{seen} pairs given, expected {expected}; pair ({min(i, j)}, {max(i, j)}) is missing",
        )
    return Instance(distances=distances, groups=groups, kind=kind)
