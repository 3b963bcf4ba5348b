"""Run limits shared by the solvers: iteration budget, wall-time cap, progress.

The wall clock may only *stop* a run: every decision of the search depends on
the seed and the iteration counter, so a run stopped after ``k`` iterations
(for any reason) ends exactly like a run given a budget of ``k``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cercles.grouping.model import Progress, ProgressCallback, StopReason


@dataclass
class Limits:
    """When to stop and whom to tell (internal)."""

    max_iterations: int
    deadline: float | None
    progress: ProgressCallback | None
    progress_every: int
    started: float

    def stop_reason(self, iterations: int, best: float) -> StopReason | None:
        """Why to stop before doing iteration number ``iterations + 1``, if at all."""
        if iterations >= self.max_iterations:
            return StopReason.ITERATIONS
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            return StopReason.TIME
        if self.progress is not None and iterations > 0 and iterations % self.progress_every == 0:
            elapsed = time.perf_counter() - self.started
            if self.progress(Progress(iterations, best, elapsed)):
                return StopReason.CANCELLED
        return None
