"""Cercles grouping engine: the Maximally Diverse Grouping Problem (MDGP).

Split people into groups so that the sum, over groups, of the distances between
every two members (the *objective*) is as large as possible: groups mix
organisations, roles and territories.

Distances come either from an explicit n × n matrix or from categorical
attributes with weights (two people are the sum of the weights of the
attributes on which they differ apart). Hard constraints, never broken:

* group sizes: group k holds between ``min_size`` and ``max_size`` people;
* cannot-link: two people never share a group (a manager and their team);
* must-link: people who move as one unit;
* locks: a person stays in a given group;
* shared slot (``require_shared_slot``): all members of a group can attend at
  least one common slot.

People who cannot be placed are reported with a reason code; proven
infeasibility raises :class:`InfeasibleProblem`. A run is fully determined by
(problem, seed, iteration budget). Pure Python + numpy: no Django import.

The package is imported lazily so that importing it costs nothing until used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cercles.grouping.checking import check_grouping
    from cercles.grouping.evaluation import Effect, GroupingEvaluator
    from cercles.grouping.exceptions import (
        ErrorCode,
        GroupingError,
        InfeasibleProblem,
        InvalidInstanceFile,
        InvalidProblem,
    )
    from cercles.grouping.model import (
        Attribute,
        Certificate,
        GroupBounds,
        Person,
        Problem,
        Progress,
        ProgressCallback,
        Solution,
        StopReason,
        UnplacedPerson,
        UnplacedReason,
        Violation,
        ViolationCode,
        groups_for_target,
    )
    from cercles.grouping.scoring import attribute_upper_bound, objective
    from cercles.grouping.solver import solve

_HOMES = {
    "check_grouping": "checking",
    "Effect": "evaluation",
    "GroupingEvaluator": "evaluation",
    "ErrorCode": "exceptions",
    "GroupingError": "exceptions",
    "InfeasibleProblem": "exceptions",
    "InvalidInstanceFile": "exceptions",
    "InvalidProblem": "exceptions",
    "Attribute": "model",
    "Certificate": "model",
    "GroupBounds": "model",
    "Person": "model",
    "Problem": "model",
    "Progress": "model",
    "ProgressCallback": "model",
    "Solution": "model",
    "StopReason": "model",
    "UnplacedPerson": "model",
    "UnplacedReason": "model",
    "Violation": "model",
    "ViolationCode": "model",
    "groups_for_target": "model",
    "attribute_upper_bound": "scoring",
    "objective": "scoring",
    "solve": "solver",
}

__all__ = [
    "Attribute",
    "Certificate",
    "Effect",
    "ErrorCode",
    "GroupBounds",
    "GroupingError",
    "GroupingEvaluator",
    "InfeasibleProblem",
    "InvalidInstanceFile",
    "InvalidProblem",
    "Person",
    "Problem",
    "Progress",
    "ProgressCallback",
    "Solution",
    "StopReason",
    "UnplacedPerson",
    "UnplacedReason",
    "Violation",
    "ViolationCode",
    "attribute_upper_bound",
    "check_grouping",
    "groups_for_target",
    "objective",
    "solve",
]


def __getattr__(name: str) -> Any:
    """Import the public names on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'cercles.grouping' has no attribute {name!r}")
    module = importlib.import_module(f"cercles.grouping.{_HOMES[name]}")
    return getattr(module, name)
