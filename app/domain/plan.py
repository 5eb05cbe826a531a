"""The multi-need plan: the fewest, closest services that together cover a person's needs.

Pure; built by :func:`app.domain.matching.match_services` from its ranked matches.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.domain.matching import Match, Participant, ScoringWeights


@dataclass(frozen=True)
class PlanStep:
    match: Match
    needs: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    steps: tuple[PlanStep, ...]
    uncovered: tuple[str, ...]
    total_minutes: float


def make_plan(
    participant: Participant,
    matches: Sequence[Match],
    *,
    weights: ScoringWeights,
    per_need: int = 6,
    max_visits: int = 4,
) -> Plan:
    """The fewest, closest services that together cover the needs.

    Exact over a small candidate set (the best few per need): minimise total minutes
    plus ``plan_minutes_per_visit`` per service, so that one place covering several
    needs wins over two places that are only slightly closer.
    """
    needs = list(participant.needs)
    candidates: dict[str, Match] = {}
    for code in needs:
        covering = [m for m in matches if code in m.covered_needs and m.service.waiting_list != "closed"]
        covering.sort(key=lambda m: (m.travel.minutes, -m.score))
        for match in covering[:per_need]:
            candidates[match.service.id] = match
    pool = list(candidates.values())
    while len(pool) > 20 and per_need > 1:
        # keep the enumeration small: C(20, 4) combinations at most
        per_need -= 1
        keep = set()
        for code in needs:
            covering = sorted((m for m in pool if code in m.covered_needs), key=lambda m: (m.travel.minutes, -m.score))
            keep.update(m.service.id for m in covering[:per_need])
        pool = [m for m in pool if m.service.id in keep]
    coverable = [code for code in needs if any(code in m.covered_needs for m in pool)]
    uncovered = tuple(code for code in needs if code not in coverable)
    if not coverable:
        return Plan(steps=(), uncovered=uncovered, total_minutes=0.0)
    best: tuple[float, tuple[Match, ...]] | None = None
    for size in range(1, min(max_visits, len(coverable)) + 1):
        for combo in itertools.combinations(pool, size):
            covered = {code for m in combo for code in m.covered_needs}
            if not all(code in covered for code in coverable):
                continue
            cost = sum(m.travel.minutes for m in combo) + weights.plan_minutes_per_visit * size
            if best is None or cost < best[0] - 1e-9:
                best = (cost, combo)
    # More needs than visits can cover exactly: a greedy cover (cheapest minutes per newly
    # covered need first) still gives a usable plan rather than none.
    chosen = best[1] if best is not None else _greedy_cover(pool, coverable, weights)
    steps: list[PlanStep] = []
    assigned: set[str] = set()
    for match in sorted(chosen, key=lambda m: -len(m.covered_needs)):
        mine = tuple(code for code in match.covered_needs if code in coverable and code not in assigned)
        assigned.update(mine)
        steps.append(PlanStep(match=match, needs=mine))
    return Plan(
        steps=tuple(steps), uncovered=uncovered, total_minutes=round(sum(s.match.travel.minutes for s in steps), 1)
    )


def _greedy_cover(pool: Sequence[Match], coverable: Sequence[str], weights: ScoringWeights) -> tuple[Match, ...]:
    """Services that together cover ``coverable``, picked by least cost per newly covered need."""
    remaining, chosen = set(coverable), []
    while remaining:
        pick = min(pool, key=lambda m: (_cost_per_new_need(m, remaining, weights), m.service.id))
        chosen.append(pick)
        remaining -= set(pick.covered_needs)
    return tuple(chosen)


def _cost_per_new_need(match: Match, remaining: set[str], weights: ScoringWeights) -> float:
    gained = len(remaining & set(match.covered_needs))
    return (match.travel.minutes + weights.plan_minutes_per_visit) / gained if gained else float("inf")
