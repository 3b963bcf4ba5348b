"""Matrix-free search for large attribute-mode problems (thousands of people).

Distances are never stored: with categorical attributes, the distance between
a unit and a group follows from the group's value counts ``H[g, c]`` (how many
members have value ``c``), so any move or swap is priced in O(values) without
an n × n matrix. Each *round* pairs the groups at random (a perfect matching)
and, for every pair at once (vectorised), prices all swaps and moves between
the two groups, then applies the best one when it helps, or with a small,
decreasing probability when it does not (annealing restarted in cycles). Pairs
are disjoint, so all chosen changes of a round apply together.
"""

from __future__ import annotations

import numpy as np

from cercles.grouping.model import FloatMatrix, Problem, StopReason
from cercles.grouping.preparation import BoolArray, IntArray, Prepared
from cercles.grouping.search import Limits

_NEG = -np.inf


class RoundSearch:
    """State of the round-based search (internal)."""

    def __init__(
        self,
        problem: Problem,
        prepared: Prepared,
        assignment: IntArray,
        rng: np.random.Generator,
    ) -> None:
        assert prepared.codes is not None
        assert prepared.column_weight is not None
        self.rng = rng
        self.prepared = prepared
        self.p = assignment.copy()
        self.units, self.groups = prepared.units, prepared.groups
        # Each unit is described by the value columns of its members (padded
        # with a dummy column of weight 0), so that pricing reads a handful of
        # counts instead of a row over every value.
        codes = prepared.codes
        dummy = len(prepared.column_weight)
        width = max(len(m) for m in prepared.members) * codes.shape[1]
        unit_codes = np.full((self.units, width), dummy, dtype=np.int64)
        for unit, inside in enumerate(prepared.members):
            row = codes[inside].ravel()
            unit_codes[unit, : len(row)] = row
        self.unit_codes = unit_codes
        column_weight = np.append(prepared.column_weight, 0.0)
        self.code_weight = column_weight[unit_codes]
        profile = np.zeros((self.units, dummy + 1), dtype=np.float64)
        np.add.at(profile, (np.arange(self.units)[:, None], unit_codes), 1.0)
        profile[:, dummy] = 0.0
        self.profile = profile
        self.column_weight = column_weight
        self.total = prepared.total_weight
        self.weight = prepared.weight.astype(np.float64)
        self.intra = (self.total * self.weight**2 - (profile**2 * column_weight).sum(axis=1)) / 2.0
        columns = dummy + 1
        self.counts = np.zeros((self.groups, columns), dtype=np.float64)
        placed = self.p >= 0
        np.add.at(self.counts, self.p[placed], profile[placed])
        self.sizes = np.bincount(self.p[placed], weights=prepared.weight[placed], minlength=self.groups).astype(
            np.int64
        )
        self.movable = (prepared.fixed < 0) & placed
        edges = prepared.conflicts
        self.edge_from = np.concatenate([edges[:, 0], edges[:, 1]])
        self.edge_to = np.concatenate([edges[:, 1], edges[:, 0]])
        self.value = self._value()

    def _value(self) -> float:
        """Objective from the counts (excluding nothing: exact)."""
        same = (self.counts**2 - self.counts) / 2.0
        pairs = self.sizes * (self.sizes - 1) / 2.0
        return float(self.total * pairs.sum() - (same * self.column_weight).sum())

    def _to_group(self, units: IntArray, groups: IntArray) -> FloatMatrix:
        """Sum of distances from each unit's members to each group's members."""
        codes = self.unit_codes[units]
        matches: FloatMatrix = (self.code_weight[units] * self.counts[groups[..., None], codes]).sum(axis=-1)
        return self.total * self.weight[units] * self.sizes[groups] - matches

    def _members(self) -> IntArray:
        """Group × slot matrix of unit numbers (-1 = empty slot)."""
        placed = np.flatnonzero(self.p >= 0)
        order = placed[np.argsort(self.p[placed], kind="stable")]
        per_group = np.bincount(self.p[placed], minlength=self.groups)
        width = int(per_group.max())
        starts = np.concatenate([[0], np.cumsum(per_group)[:-1]])
        slot = np.arange(len(order)) - np.repeat(starts, per_group)
        table = np.full((self.groups, width), -1, dtype=np.int64)
        table[self.p[order], slot] = order
        return table

    def _blocked(self, units: IntArray, groups: IntArray) -> BoolArray:
        """True where a unit may not enter a group (slot, lock, cannot-link)."""
        blocked = ~self.movable[units]
        if self.prepared.allowed is not None:
            blocked |= ~self.prepared.allowed[units, groups]
        if len(self.edge_from):
            keys = np.sort(self.edge_from * self.groups + self.p[self.edge_to])
            query = units * self.groups + groups
            hits = np.searchsorted(keys, query, "right") - np.searchsorted(keys, query, "left")
            blocked |= hits > 0
        return blocked

    def step(self, temperature: float) -> None:
        """One round: pair the groups, best change per pair, apply."""
        perm = self.rng.permutation(self.groups)
        half = self.groups // 2
        first, second = perm[:half], perm[half : 2 * half]
        table = self._members()
        a_units, b_units = table[first], table[second]
        a_real, b_real = a_units >= 0, b_units >= 0
        a_safe, b_safe = np.where(a_real, a_units, 0), np.where(b_real, b_units, 0)
        fa, fb = first[:, None], second[:, None]
        # Gain of each unit leaving its group, and of entering the other one.
        a_leave = self._to_group(a_safe, np.broadcast_to(fa, a_safe.shape))
        a_leave -= 2.0 * self.intra[a_safe]
        a_enter = self._to_group(a_safe, np.broadcast_to(fb, a_safe.shape))
        b_leave = self._to_group(b_safe, np.broadcast_to(fb, b_safe.shape))
        b_leave -= 2.0 * self.intra[b_safe]
        b_enter = self._to_group(b_safe, np.broadcast_to(fa, b_safe.shape))
        a_ok = a_real & ~self._blocked(a_safe, np.broadcast_to(fb, a_safe.shape))
        b_ok = b_real & ~self._blocked(b_safe, np.broadcast_to(fa, b_safe.shape))
        a_codes = self.unit_codes[a_safe][:, :, None, :]
        cross = (self.code_weight[a_safe][:, :, None, :] * self.profile[b_safe[:, None, :, None], a_codes]).sum(axis=-1)
        between = self.total * self.weight[a_safe][:, :, None] * self.weight[b_safe][:, None, :] - cross
        swap = (a_enter - a_leave)[:, :, None] + (b_enter - b_leave)[:, None, :]
        swap -= 2.0 * between
        legal = a_ok[:, :, None] & b_ok[:, None, :]
        wa, wb = self.weight[a_safe], self.weight[b_safe]
        shift = wb[:, None, :] - wa[:, :, None]
        size_a = self.sizes[first][:, None, None] + shift
        size_b = self.sizes[second][:, None, None] - shift
        lower, upper = self.prepared.lower, self.prepared.upper
        legal &= (size_a >= lower[first][:, None, None]) & (size_a <= upper[first][:, None, None])
        legal &= (size_b >= lower[second][:, None, None]) & (size_b <= upper[second][:, None, None])
        swap = np.where(legal, swap, _NEG).reshape(half, -1)
        move_ab = np.where(
            a_ok
            & (self.sizes[first][:, None] - wa >= lower[first][:, None])
            & (self.sizes[second][:, None] + wa <= upper[second][:, None]),
            a_enter - a_leave,
            _NEG,
        )
        move_ba = np.where(
            b_ok
            & (self.sizes[second][:, None] - wb >= lower[second][:, None])
            & (self.sizes[first][:, None] + wb <= upper[first][:, None]),
            b_enter - b_leave,
            _NEG,
        )
        options = np.concatenate([swap, move_ab, move_ba], axis=1)
        if temperature > 0:
            # Annealing: a random feasible change per pair, kept if it helps or
            # with probability exp(gain / T); otherwise the best change.
            noise = self.rng.gumbel(size=options.shape) * temperature
            pick = np.argmax(np.where(options > _NEG, options + noise, _NEG), axis=1)
        else:
            pick = np.argmax(options, axis=1)
        gain = options[np.arange(half), pick]
        accept = gain > 1e-9
        if temperature > 0:
            chance = np.exp(np.minimum(gain, 0.0) / temperature)
            accept = (gain > _NEG) & (self.rng.random(half) < chance)
        self._apply(
            pick[accept],
            first[accept],
            second[accept],
            a_units[accept],
            b_units[accept],
            gain[accept],
        )

    def _apply(
        self,
        pick: IntArray,
        first: IntArray,
        second: IntArray,
        a_units: IntArray,
        b_units: IntArray,
        gain: FloatMatrix,
    ) -> None:
        width = a_units.shape[1]
        swaps = width * b_units.shape[1]
        rows = np.arange(len(pick))
        is_swap = pick < swaps
        is_ab = (pick >= swaps) & (pick < swaps + width)
        is_ba = pick >= swaps + width
        leaving_a = np.full(len(pick), -1, dtype=np.int64)
        leaving_b = np.full(len(pick), -1, dtype=np.int64)
        s = rows[is_swap]
        leaving_a[s] = a_units[s, pick[s] // b_units.shape[1]]
        leaving_b[s] = b_units[s, pick[s] % b_units.shape[1]]
        s = rows[is_ab]
        leaving_a[s] = a_units[s, pick[s] - swaps]
        s = rows[is_ba]
        leaving_b[s] = b_units[s, pick[s] - swaps - width]
        for units, source, target in (
            (leaving_a, first, second),
            (leaving_b, second, first),
        ):
            real = units >= 0
            u, g_from, g_to = units[real], source[real], target[real]
            self.counts[g_from] -= self.profile[u]
            self.counts[g_to] += self.profile[u]
            self.sizes[g_from] -= self.prepared.weight[u]
            self.sizes[g_to] += self.prepared.weight[u]
            self.p[u] = g_to
        self.value += float(gain.sum())

    def run(self, limits: Limits) -> tuple[IntArray, int, StopReason]:
        """Rounds until a limit stops the run; returns the best assignment."""
        best, best_p = self.value, self.p.copy()
        rounds = 0
        if self.groups < 2 or not self.movable.any():
            # Nothing can change: more rounds would find nothing.
            return best_p, rounds, StopReason.ITERATIONS
        cycle = 400
        start_temperature = 0.05 * self.total
        while True:
            reason = limits.stop_reason(rounds, best)
            if reason is not None:
                return best_p, rounds, reason
            phase = (rounds % cycle) / cycle
            temperature = start_temperature * max(0.0, 1.0 - 2.0 * phase)
            self.step(temperature)
            rounds += 1
            if self.value > best + 1e-9:
                best, best_p = self.value, self.p.copy()
