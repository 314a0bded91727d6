"""The hitting set as a 0-1 program, solved to proven optimality with HiGHS (``highspy``).

minimise   sum(cost[i] * x[i])
subject to sum(x[i] for i in cover) >= 1          for every route (some blocker is chosen)
           sum(x[i] for i in cut) <= len(cut) - 1  for every no-good (not all of a set that
                                                   breaks a keep item)
           x[i] in {0, 1}
Both gaps are set to 0: HiGHS stops only when the incumbent is proven optimal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import highspy

from accesssim.errors import AccessSimError


@dataclass(frozen=True)
class HittingSet:
    """Candidates 0..n-1 with their costs, the covers (routes) and the cuts (no-goods)."""

    costs: tuple[float, ...]
    covers: tuple[tuple[int, ...], ...]
    cuts: tuple[tuple[int, ...], ...] = ()


def solve(problem: HittingSet) -> tuple[int, ...] | None:
    """An optimal choice (sorted indices), or None when no choice satisfies every row."""
    if any(not cover for cover in problem.covers) or any(not cut for cut in problem.cuts):
        return None
    n = len(problem.costs)
    if not problem.covers:
        return ()
    h = _highs()
    for option, value in (("output_flag", False), ("mip_rel_gap", 0.0),
                          ("mip_abs_gap", 0.0), ("random_seed", 0), ("threads", 1)):
        h.setOptionValue(option, value)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n
    low = min(problem.costs, default=1.0)
    # HiGHS judges optimality with absolute tolerances (about 1e-7): costs of 1e-9 looked
    # equal and a superset of the optimum came back. The cheapest candidate is priced 1.
    lp.col_cost_ = [c / low for c in problem.costs] if low > 0 else list(problem.costs)
    lp.col_lower_ = [0.0] * n
    lp.col_upper_ = [1.0] * n
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    rows: list[Sequence[int]] = [*problem.covers, *problem.cuts]
    lp.num_row_ = len(rows)
    lp.row_lower_ = [1.0] * len(problem.covers) + [-inf] * len(problem.cuts)
    lp.row_upper_ = [inf] * len(problem.covers) + [len(c) - 1.0 for c in problem.cuts]
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_, matrix.num_row_ = n, len(rows)
    starts, index = [0], []
    for row in rows:
        index.extend(sorted(set(row)))
        starts.append(len(index))
    matrix.start_, matrix.index_, matrix.value_ = starts, index, [1.0] * len(index)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        raise AccessSimError(f"the solver stopped without a proven optimum "
                             f"({h.modelStatusToString(status)})")
    values = h.getSolution().col_value
    return tuple(i for i in range(n) if values[i] > 0.5)


def _highs() -> highspy.Highs:
    """A solver, made with the process's stdout pointed away: HiGHS prints its banner from C
    to file descriptor 1 when it makes its first solver, and a JSON report on stdout must not
    carry it."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w", encoding="utf-8") as null:
            os.dup2(null.fileno(), 1)
            return highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
