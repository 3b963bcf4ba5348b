"""Iterated tabu search on a dense unit × unit distance matrix.

State: the assignment ``p`` and a running group × unit gain table
``gain[g, v] = sum of d(v, w) over the units w of group g``. Moving ``v`` from
``a`` to ``b`` changes the objective by ``gain[b, v] - gain[a, v]``; swapping
``u`` (in ``a``) and ``v`` (in ``b``) by
``gain[b, u] - gain[a, u] + gain[a, v] - gain[b, v] - 2 d(u, v)``.
Each iteration evaluates every move and every swap at once with numpy (one
units × units array), takes the best one that is not tabu (or that beats the
best grouping found: aspiration) and updates two rows of the gain table.
When the search stalls, it restarts from the best grouping after a random
perturbation (iterated tabu search, in the spirit of Lai & Hao 2016 and
Gallego et al. 2013).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cercles.grouping.model import FloatMatrix, StopReason
from cercles.grouping.preparation import BoolArray, IntArray
from cercles.grouping.search import Limits

_NEG = -np.inf


@dataclass
class DenseResult:
    """Best assignment found (internal)."""

    assignment: IntArray
    objective: float
    iterations: int
    stop_reason: StopReason


def objective_of(distances: FloatMatrix, assignment: IntArray) -> float:
    """Sum of within-group distances (each unordered pair once)."""
    same = assignment[:, None] == assignment[None, :]
    return float((distances * same).sum() / 2.0)


class DenseTabu:
    """Tabu search state over ``k`` placed units and ``m`` groups (internal)."""

    def __init__(
        self,
        distances: FloatMatrix,
        weight: IntArray,
        lower: IntArray,
        upper: IntArray,
        movable: BoolArray,
        allowed: BoolArray | None,
        conflicts: IntArray,
        assignment: IntArray,
        rng: np.random.Generator,
    ) -> None:
        self.units = len(assignment)
        self.groups = len(lower)
        self.rng = rng
        self.distances = distances
        self.double = 2.0 * distances
        self.weight = weight
        self.lower = lower
        self.upper = upper
        self.movable = movable
        self.uniform = bool(np.all(weight == weight[0])) if self.units else True
        self.heavy = np.flatnonzero(weight != 1)
        # Static "v may not enter g" mask, group-major like the gain table.
        blocked = np.zeros((self.groups, self.units), dtype=bool)
        if allowed is not None:
            blocked |= ~allowed.T
        blocked[:, ~movable] = True
        self.blocked = blocked if blocked.any() else None
        self.links: FloatMatrix | None = None
        self.pairs = conflicts
        if len(conflicts):
            links = np.zeros((self.units, self.units), dtype=np.float64)
            links[conflicts[:, 0], conflicts[:, 1]] = 1.0
            links[conflicts[:, 1], conflicts[:, 0]] = 1.0
            self.links = links
        self._gathered = np.empty((self.units, self.units), dtype=np.float64)
        self._swaps = np.empty((self.units, self.units), dtype=np.float64)
        self.reset(assignment)

    def reset(self, assignment: IntArray) -> None:
        """Adopt an assignment and rebuild the gain tables."""
        self.p = assignment.copy()
        self.gain = self._table(self.distances)
        self.conflict = self._table(self.links) if self.links is not None else None
        self.sizes = np.bincount(self.p, weights=self.weight, minlength=self.groups).astype(np.int64)
        self.value = objective_of(self.distances, self.p)

    def _table(self, matrix: FloatMatrix) -> FloatMatrix:
        table = np.zeros((self.groups, self.units), dtype=np.float64)
        for group in range(self.groups):
            table[group] = matrix[self.p == group].sum(axis=0)
        return table

    def apply_move(self, unit: int, group: int, delta: float) -> None:
        """Move one unit to another group."""
        old = int(self.p[unit])
        self.gain[old] -= self.distances[unit]
        self.gain[group] += self.distances[unit]
        if self.conflict is not None and self.links is not None:
            self.conflict[old] -= self.links[unit]
            self.conflict[group] += self.links[unit]
        self.sizes[old] -= self.weight[unit]
        self.sizes[group] += self.weight[unit]
        self.p[unit] = group
        self.value += delta

    def apply_swap(self, u: int, v: int, delta: float) -> None:
        """Exchange two units of different groups."""
        a, b = int(self.p[u]), int(self.p[v])
        change = self.distances[v] - self.distances[u]
        self.gain[a] += change
        self.gain[b] -= change
        if self.conflict is not None and self.links is not None:
            linked = self.links[v] - self.links[u]
            self.conflict[a] += linked
            self.conflict[b] -= linked
        shift = self.weight[v] - self.weight[u]
        self.sizes[a] += shift
        self.sizes[b] -= shift
        self.p[u], self.p[v] = b, a
        self.value += delta

    def gains(self) -> tuple[FloatMatrix, FloatMatrix | None]:
        """Gains of a unit entering each group (group × unit), and of legal moves.

        Entering gains are -inf where entering is illegal (own group, slot,
        lock, cannot-link); move gains also respect the size bounds, and are
        None when no move can be legal.
        """
        units = np.arange(self.units)
        own = self.gain[self.p, units]
        enter = self.gain - own
        enter[self.p, units] = _NEG
        if self.blocked is not None:
            enter[self.blocked] = _NEG
        if self.conflict is not None:
            # Conservative for swaps: a unit never enters a group holding one of
            # its cannot-link partners, even the one it is exchanged with.
            enter[self.conflict > 0] = _NEG
        moves = None
        leave_ok = self.sizes[self.p] - self.weight >= self.lower[self.p]
        if leave_ok.any() and (self.sizes < self.upper).any():
            enter_ok = self.sizes[:, None] + self.weight[None, :] <= self.upper[:, None]
            moves = np.where(enter_ok & leave_ok[None, :], enter, _NEG)
        return enter, moves

    def partner_swaps(self) -> tuple[FloatMatrix, IntArray, IntArray]:
        """Gains of swapping two cannot-linked units of different groups.

        ``gains()`` forbids a unit to enter a group holding a partner; swapping
        the two partners themselves is still legal when each is the other's
        only partner there, and is priced here (-inf where illegal).
        """
        u, v = self.pairs[:, 0], self.pairs[:, 1]
        a, b = self.p[u], self.p[v]
        assert self.conflict is not None
        legal = (a != b) & (self.conflict[b, u] == 1) & (self.conflict[a, v] == 1)
        legal &= self.movable[u] & self.movable[v]
        if self.blocked is not None:
            legal &= ~self.blocked[b, u] & ~self.blocked[a, v]
        shift = self.weight[v] - self.weight[u]
        legal &= (self.sizes[a] + shift >= self.lower[a]) & (self.sizes[a] + shift <= self.upper[a])
        legal &= (self.sizes[b] - shift >= self.lower[b]) & (self.sizes[b] - shift <= self.upper[b])
        gains = self.gain[b, u] - self.gain[a, u] + self.gain[a, v] - self.gain[b, v] - self.double[u, v]
        return np.where(legal, gains, _NEG), u, v

    def swap_rows(self, enter: FloatMatrix, rows: IntArray) -> FloatMatrix:
        """Swap gains for a few units (rows × unit), without buffers."""
        swaps = enter[self.p[rows]] + enter.T[rows][:, self.p]
        swaps -= self.double[rows]
        if not self.uniform:
            swaps[~self._swap_sizes_ok(rows)] = _NEG
        return swaps

    def swaps_from(self, enter: FloatMatrix) -> FloatMatrix:
        """Swap gains (unit × unit) from entering gains; reuses one buffer."""
        # Preallocated buffers: allocating units × units arrays every
        # iteration costs more than the arithmetic (page faults).
        gathered, swaps = self._gathered, self._swaps
        np.take(enter, self.p, axis=0, out=gathered)
        np.add(gathered, gathered.T, out=swaps)
        np.subtract(swaps, self.double, out=swaps)
        if not self.uniform:
            # Only swaps involving a must-link unit can change sizes.
            heavy = self.heavy
            ok = self._swap_sizes_ok(heavy)
            swaps[heavy] = np.where(ok, swaps[heavy], _NEG)
            swaps[:, heavy] = np.where(ok.T, swaps[:, heavy], _NEG)
        return swaps

    def _swap_sizes_ok(self, rows: IntArray) -> BoolArray:
        """Whether swapping each unit of ``rows`` with each unit keeps sizes legal.

        The condition is symmetric in the two units.
        """
        shift = self.weight[None, :] - self.weight[rows][:, None]
        mine = self.p[rows][:, None]
        size = self.sizes[mine] + shift
        first = (size >= self.lower[mine]) & (size <= self.upper[mine])
        other = self.sizes[self.p][None, :] - shift
        second = (other >= self.lower[self.p][None, :]) & (other <= self.upper[self.p][None, :])
        return first & second

    def random_step(self) -> None:
        """One random feasible swap or move (perturbation)."""
        movable = np.flatnonzero(self.movable)
        if len(movable) < 2:
            return
        for _ in range(20):
            u = int(movable[self.rng.integers(len(movable))])
            v = int(movable[self.rng.integers(len(movable))])
            a, b = int(self.p[u]), int(self.p[v])
            if a == b:
                continue
            moves, swaps = self._pair_gains(u, v)
            if swaps > _NEG:
                self.apply_swap(u, v, swaps)
                return
            if moves > _NEG:
                self.apply_move(u, b, moves)
                return

    def _pair_gains(self, u: int, v: int) -> tuple[float, float]:
        """Gain of moving u to v's group and of swapping u and v (-inf: illegal)."""
        a, b = int(self.p[u]), int(self.p[v])
        enter = self._enter_ok(u, b) and self._enter_ok(v, a)
        swap = _NEG
        if enter:
            shift = int(self.weight[v] - self.weight[u])
            if (
                self.lower[a] <= self.sizes[a] + shift <= self.upper[a]
                and self.lower[b] <= self.sizes[b] - shift <= self.upper[b]
            ):
                swap = float(self.gain[b, u] - self.gain[a, u] + self.gain[a, v] - self.gain[b, v] - self.double[u, v])
        move = _NEG
        if (
            self._enter_ok(u, b)
            and self.sizes[a] - self.weight[u] >= self.lower[a]
            and self.sizes[b] + self.weight[u] <= self.upper[b]
        ):
            move = float(self.gain[b, u] - self.gain[a, u])
        return move, swap

    def _enter_ok(self, unit: int, group: int) -> bool:
        if self.blocked is not None and self.blocked[group, unit]:
            return False
        return self.conflict is None or self.conflict[group, unit] == 0


@dataclass
class TabuSettings:
    """Tuning of the iterated tabu search (internal)."""

    tenure_min: int
    tenure_max: int
    stall: int
    strength_min: int
    strength_max: int
    fresh_every: int = 2

    @classmethod
    def for_size(cls, units: int, groups: int) -> TabuSettings:
        """Settings scaled to the instance (tuned on MDGPLIB n = 30-240).

        The tenure follows the mean group size (how long a unit stays away
        from the group it left); restarts come after ``6 n`` idle iterations
        and perturb 10-25 % of the units.
        """
        mean_size = units / max(groups, 1)
        return cls(
            tenure_min=max(2, round(0.4 * mean_size)),
            tenure_max=max(4, round(1.2 * mean_size)),
            stall=max(50, 6 * units),
            strength_min=max(2, units // 10),
            strength_max=max(4, units // 4),
        )


def iterated_tabu(
    state: DenseTabu,
    limits: Limits,
    offset: float,
    settings: TabuSettings,
    restart: Callable[[], IntArray | None] | None = None,
) -> DenseResult:
    """Run the iterated tabu search until a limit stops it.

    Tabu: a unit may not re-enter the group it just left for a random tenure.
    Aspiration: a tabu change is taken when it beats the best grouping found.
    After ``stall`` iterations without improving the phase's best, restart
    from the best grouping perturbed by random swaps.
    """
    rng = state.rng
    best_p = state.p.copy()
    best = state.value
    phase_best = state.value
    since = 0
    tabu = np.zeros((state.groups, state.units), dtype=np.int64)
    phase_p = state.p.copy()
    iterations = 0
    restarts = 0
    while True:
        reason = limits.stop_reason(iterations, best + offset)
        if reason is not None:
            break
        if since >= settings.stall:
            restarts += 1
            fresh = None
            if restart is not None and restarts % settings.fresh_every == 0:
                fresh = restart()
            if fresh is None:
                # Half the time from the best grouping (intensify), half the
                # time from where this phase got (a walk between optima).
                fresh = phase_p if rng.random() < 0.5 else best_p
            state.reset(fresh)
            strength = int(rng.integers(settings.strength_min, settings.strength_max + 1))
            for _ in range(strength):
                state.random_step()
            tabu[:] = 0
            phase_best = state.value
            since = 0
        iterations += 1
        enter, moves = state.gains()
        forbidden = tabu > iterations
        allowed_enter = np.where(forbidden, _NEG, enter)
        allowed_moves = None if moves is None else np.where(forbidden, _NEG, moves)
        choice = _best(allowed_moves, state.swaps_from(allowed_enter))
        rows = np.flatnonzero(forbidden.any(axis=0))
        if len(rows):
            # Aspiration, priced only on the rows of the units that are tabu.
            partial = state.swap_rows(enter, rows)
            flat = int(partial.argmax())
            r, v = divmod(flat, state.units)
            aspired = (float(partial[r, v]), 1, int(rows[r]), v)
            if moves is not None:
                sub = moves[:, rows]
                g, r = divmod(int(sub.argmax()), len(rows))
                if sub[g, r] > aspired[0]:
                    aspired = (float(sub[g, r]), 0, g, int(rows[r]))
            if aspired[0] > choice[0] and state.value + aspired[0] > best + 1e-9:
                choice = aspired
        if state.conflict is not None:
            gains, us, vs = state.partner_swaps()
            banned = (tabu[state.p[vs], us] > iterations) | (tabu[state.p[us], vs] > iterations)
            banned &= state.value + gains <= best + 1e-9
            gains = np.where(banned, _NEG, gains)
            k = int(gains.argmax())
            if gains[k] > choice[0]:
                choice = (float(gains[k]), 1, int(us[k]), int(vs[k]))
        if choice[0] == _NEG:
            if len(rows):
                since += 1
            elif restart is not None:
                since = settings.stall
                restarts = settings.fresh_every - 1
            else:
                # Nothing can change: more iterations would find nothing.
                reason = StopReason.ITERATIONS
                break
            continue
        delta, kind, first, second = choice
        tenure = int(rng.integers(settings.tenure_min, settings.tenure_max + 1))
        if kind == 0:
            tabu[state.p[second], second] = iterations + tenure
            state.apply_move(second, first, delta)
        else:
            tabu[state.p[first], first] = iterations + tenure
            tabu[state.p[second], second] = iterations + tenure
            state.apply_swap(first, second, delta)
        if state.value > phase_best + 1e-9:
            phase_best = state.value
            phase_p = state.p.copy()
            since = 0
        else:
            since += 1
        if state.value > best + 1e-9:
            best = state.value
            best_p = state.p.copy()
    return DenseResult(best_p, best, iterations, reason)


def _best(moves: FloatMatrix | None, swaps: FloatMatrix) -> tuple[float, int, int, int]:
    """Best candidate as (gain, kind, i, j): kind 0 = move (group i, unit j)."""
    flat = int(swaps.argmax())
    u, v = divmod(flat, swaps.shape[1])
    best = (float(swaps[u, v]), 1, u, v)
    if moves is not None:
        flat = int(moves.argmax())
        g, unit = divmod(flat, moves.shape[1])
        if moves[g, unit] > best[0]:
            best = (float(moves[g, unit]), 0, g, unit)
    return best
