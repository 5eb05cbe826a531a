"""The current data's gap analysis: which one it is, starting it, and what to show meanwhile.

Shared by the gap API (``app/api/gaps.py``), the coordinator's gap pages
(``app/web/gap_pages.py``) and ``sk gaps``. The analysis itself is :mod:`app.domain.gaps`;
running it in the background is :mod:`app.domain.gap_jobs`. ``state`` is the application
state (:class:`app.server.app_state.AppState`): its catalogue, origins, reach and gap jobs.
"""

from __future__ import annotations

from app.domain.errors import DomainError
from app.domain.gaps import (
    GAP_PROFILES,
    MODE_NL,
    GapResult,
    analysis_key,
    gap_needs,
    gap_transit_window,
    run_gap_analysis,
)

TRANSIT_ESTIMATE_NL = "geschat (trein via de dichtste NMBS-stations, wandelen in rechte lijn)"
TRAVEL_LABEL_NL = {"routed": "berekend over het wegennet (OpenStreetMap)", "timetabled": "volgens de dienstregeling",
                   "estimated": "geschat (rechte lijn x omwegfactor)"}


class UnknownGapNeed(DomainError):
    code = "unknown_need"
    status_code = 422
    message_nl = "Onbekende nood."


class GapsComputing(DomainError):
    """Nothing computed yet: 202 (the computation was started and runs in the background)."""

    code = "gaps_computing"
    status_code = 202
    message_nl = "De hiatenanalyse wordt berekend. Probeer het over een minuut opnieuw."
    retry_after = 30

    def __init__(self, message: str, *, detail: dict) -> None:
        super().__init__(message)
        self.detail = detail


def current_key(state) -> str:
    return analysis_key(state.catalog(), state.gap_origins_id(), state.reach, gap_needs(), GAP_PROFILES,
                        window=gap_transit_window(state.reach))


def start_gap_analysis(state) -> GapResult | None:
    """The result of the current data if complete; otherwise start it in the background (never waits)."""

    def compute(progress) -> GapResult:
        progress("inwoners over de straten verdelen", 0.0)
        origins = state.gap_origins()
        return run_gap_analysis(catalog=state.catalog(), regions=state.regions, origins=origins, reach=state.reach,
                                window=gap_transit_window(state.reach), needs=gap_needs(), profiles=GAP_PROFILES,
                                progress=progress, origins_id=state.gap_origins_id())

    return state.gap_jobs.ensure(current_key(state), compute)


def gap_view(state) -> tuple[GapResult | None, bool]:
    """(result to show, whether it is the current data's): the last complete one meanwhile."""
    result = start_gap_analysis(state)
    if result is not None:
        return result, True
    return state.gap_jobs.latest(), False


def check_need(need: str) -> str:
    if need not in gap_needs():
        raise UnknownGapNeed(f"unknown need {need!r}")
    return need


def result_or_computing(state) -> tuple[GapResult, bool]:
    """The result to show and whether it is current; :class:`GapsComputing` (202) while there is none."""
    result, current = gap_view(state)
    if result is None:
        raise GapsComputing("the gap analysis is being computed; retry in a minute",
                            detail=state.gap_jobs.status().to_dict())
    return result, current


def travel_lines(result: GapResult, profile: str) -> list[str]:
    """Plain-Dutch lines about the travel times this profile's figures come from (estimates say "geschat")."""
    lines = []
    for mode, label in result.travel_labels(profile).items():
        share = result.estimated_share.get(profile, {}).get(mode, 0.0)
        partly = f" ({share * 100:.0f}% geschat: punten naast het netwerk)" if label != "estimated" and share > 0 else ""
        wording = TRANSIT_ESTIMATE_NL if (mode, label) == ("transit", "estimated") else TRAVEL_LABEL_NL[label]
        lines.append(f"{MODE_NL.get(mode, mode)}: {wording}{partly}")
    return lines
