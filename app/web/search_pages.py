"""The coach's search page, its htmx results fragment and the printable referral sheet.

The form is a plain GET form: it works without JavaScript; htmx only swaps the results in
place. Nothing about the participant is stored: the profile lives in the query string of
this one request (and the server's access log is off by default).
"""

from __future__ import annotations

import json
import logging
from datetime import date, time
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from app.http.search_results import search_response
from app.http.deps import StateDep, ViewerDep
from app.domain.matching import WEEKDAYS_NL
from app.domain.opening import today_in_brussels, upcoming_closures
from app.domain.profile import LANGUAGE_NAMES_NL, MODE_LABELS_NL, PRESETS, NeedsProfile
from app.domain.reach import date_nl
from app.domain.search import run_search
from app.domain.taxonomy import NEEDS, REFERRER_TYPES, TARGET_GROUPS, needs_by_code
from app.domain.errors import NotFoundError
from app.web.templating import templates
from geo.errors import GeoError

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

PARTS_OF_DAY = {"vm": (time(8, 30), time(12, 30)), "nm": (time(12, 30), time(17, 0)), "av": (time(17, 0), time(21, 0))}
PARTS_OF_DAY_NL = {"vm": "voormiddag", "nm": "namiddag", "av": "avond"}
COMMON_LANGUAGES = ("nl", "fr", "en", "ar", "ti", "prs", "uk", "ro", "tr", "ru", "so", "pl")
MAX_MINUTES_CHOICES = (10, 15, 20, 30, 45, 60, 90)


def _form_context(request: Request, state, form: dict) -> dict:
    return {
        "request": request,
        "attribution": state.attribution,
        "demo": state.catalog().demo,
        "needs_tree": NEEDS,
        "presets": PRESETS,
        "target_groups": TARGET_GROUPS,
        "referrers": REFERRER_TYPES,
        "languages": [(code, LANGUAGE_NAMES_NL[code]) for code in COMMON_LANGUAGES],
        "max_minutes_choices": MAX_MINUTES_CHOICES,
        "weekdays": list(enumerate(WEEKDAYS_NL[:6], start=1)),
        "parts_of_day": PARTS_OF_DAY_NL,
        "mode_labels": MODE_LABELS_NL,
        "tile_url": state.settings.tile_url,
        "tile_attribution": state.settings.tile_attribution,
        "form": form,
    }


def _profile_from_form(form: dict) -> NeedsProfile:
    availability = []
    for slot in form["beschikbaar"]:
        day, _, part = slot.partition("-")
        if day.isdigit() and part in PARTS_OF_DAY:
            start, end = PARTS_OF_DAY[part]
            availability.append({"weekday": int(day), "start": start, "end": end})
    mobility: dict = {"profile": form["vervoer"] or "no-licence", "wheelchair": form["rolstoel"]}
    if form["max_minuten"]:
        mobility["max_minutes"] = form["max_minuten"]
    return NeedsProfile.model_validate(
        {
            "home": {"query": form["woonplaats"]},
            "needs": form["noden"],
            "mobility": mobility,
            "age": form["leeftijd"],
            "languages": form["talen"],
            "interpreter_ok": form["tolk"],
            "target_groups": form["doelgroepen"],
            "availability": availability,
            "referrer": form["verwijzer"] or None,
            "limit": 25,
        }
    )


def _dutch_validation_message(exc: ValidationError) -> str:
    messages = []
    for error in exc.errors()[:4]:
        field = str(error["loc"][0]) if error["loc"] else ""
        if field == "needs":
            messages.append("Kies minstens één nood.")
        elif field == "home":
            messages.append("Vul een postcode, deelgemeente of gemeente in.")
        elif field == "age":
            messages.append("De leeftijd moet tussen 0 en 120 liggen.")
        elif field == "mobility":
            messages.append("Met deze vervoerskeuze blijft er geen manier over om zich te verplaatsen.")
        else:
            messages.append(f"Controleer het veld {field or 'formulier'}.")
    return " ".join(dict.fromkeys(messages))


def reachable_area(state, outcome) -> dict | None:
    """The area this person reaches by each of their own road modes, within each mode's limit.

    One union over the modes they actually have (a cyclist's area is the bike's, not the
    walk's); public transport is left out (it reaches around stations, not an area). ``None``
    when no area can be drawn: the map works without it.
    """
    from shapely import union_all
    from shapely.geometry import mapping

    mobility = outcome.participant.mobility
    origin = (outcome.home.longitude, outcome.home.latitude)
    areas, parts, estimated = [], [], False
    for mode in mobility.modes:
        if mode == "transit":
            continue
        minutes = mobility.max_minutes_by_mode.get(mode, mobility.max_minutes)
        try:
            area = state.reach.engine.isochrone(origin, mode, minutes)
        except Exception as exc:  # noqa: BLE001 - e.g. a home too far from the network: no area for that mode
            # the type only: a message could hold the home's coordinates
            logger.warning("no reachable area by %s (%s)", mode, type(exc).__name__)
            continue
        areas.append(area.polygon)
        parts.append(f"{MODE_LABELS_NL[mode]} ({round(minutes)} min)")
        estimated |= bool(area.estimated)
    if not areas:
        return None
    label = "Bereikbaar " + " of ".join(parts) + (" (schatting)" if estimated else "")
    return {"geometry": mapping(union_all(areas)), "estimated": estimated, "label": label}


def _search_context(state, form: dict, *, include_internal: bool) -> dict:
    """Run the search for the form; errors become a Dutch message, never a 500."""
    if not form["noden"] and not form["woonplaats"]:
        return {"searched": False}
    try:
        profile = _profile_from_form(form)
        outcome = run_search(
            profile, catalog=state.catalog(), gazetteer=state.gazetteer, reach=state.reach, today=today_in_brussels(),
            stale_after_days=state.settings.stale_after_months * 30, horizon_days=state.settings.opening_horizon_days,
        )
    except ValidationError as exc:
        return {"searched": True, "error": _dutch_validation_message(exc)}
    except GeoError as exc:
        candidates = [c.to_dict() for c in getattr(exc, "candidates", ())]
        return {"searched": True, "error": exc.message_nl, "candidates": candidates}
    response = search_response(outcome, include_internal=include_internal, attribution=state.travel_credits)
    isochrone = reachable_area(state, outcome)
    map_data = {
        "home": {"lat": outcome.home.latitude, "lon": outcome.home.longitude, "label": outcome.home.label},
        "results": [
            {"lat": r.location["latitude"], "lon": r.location["longitude"], "name": r.service["name"],
             "minutes": round(r.travel.minutes), "mode": MODE_LABELS_NL[r.travel.mode], "rank": i + 1}
            for i, r in enumerate(response.results) if r.location
        ],
        "isochrone": isochrone,
    }
    return {
        "searched": True,
        "response": response,
        "need_labels": {code: needs_by_code()[code].label_nl for code in needs_by_code()},
        "map_json": json.dumps(map_data),
        "weekdays_nl": WEEKDAYS_NL,
    }


def _form(
    woonplaats: str, noden: list[str], vervoer: str, max_minuten: int | None, rolstoel: bool, leeftijd: int | None,
    talen: list[str], tolk: bool, doelgroepen: list[str], verwijzer: str, beschikbaar: list[str],
) -> dict:
    return {
        "woonplaats": woonplaats.strip(), "noden": noden, "vervoer": vervoer, "max_minuten": max_minuten,
        "rolstoel": rolstoel, "leeftijd": leeftijd, "talen": talen, "tolk": tolk, "doelgroepen": doelgroepen,
        "verwijzer": verwijzer, "beschikbaar": beschikbaar,
    }


def _int_or_none(text: str) -> int | str | None:
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text  # a non-number is reported by the profile validation


FormText = Annotated[str, Query(max_length=200)]
FormList = Annotated[list[str], Query(max_length=40)]


@router.get("/zoeken", response_class=HTMLResponse)
def search_page(
    request: Request,
    state: StateDep,
    viewer: ViewerDep,
    woonplaats: FormText = "",
    noden: FormList = [],  # noqa: B006 - FastAPI copies defaults
    vervoer: Annotated[str, Query(max_length=20)] = "no-licence",
    max_minuten: Annotated[str, Query(max_length=3)] = "",
    rolstoel: bool = False,
    leeftijd: Annotated[str, Query(max_length=3)] = "",
    talen: FormList = [],  # noqa: B006
    tolk: bool = True,
    doelgroepen: FormList = [],  # noqa: B006
    verwijzer: Annotated[str, Query(max_length=20)] = "",
    beschikbaar: FormList = [],  # noqa: B006
):
    # Empty select/number fields arrive as "": optional, not an error.
    form = _form(woonplaats, noden, vervoer, _int_or_none(max_minuten), rolstoel, _int_or_none(leeftijd), talen, tolk,
                 doelgroepen, verwijzer, beschikbaar)
    # Internal lines for referrers only when signed in (coach, partner or coordinator).
    context = _form_context(request, state, form) | _search_context(state, form, include_internal=viewer.sees_internal_lines)
    # a signed-in coach lands here: the sign-out form needs the session's token
    context |= {"viewer": viewer, "csrf": viewer.csrf_token}
    template = "search_results.html" if request.headers.get("HX-Request") else "search.html"
    return templates.TemplateResponse(request, template, context)


@router.get("/verwijsfiche/{service_id}", response_class=HTMLResponse)
def referral_sheet(
    request: Request,
    state: StateDep,
    service_id: Annotated[str, Path(max_length=36)],
    mode: Annotated[str | None, Query(max_length=10)] = None,
    minuten: Annotated[float | None, Query(ge=0, le=600)] = None,
    geschat: bool = False,
    bron: Annotated[Literal["routed", "timetabled", "estimated", "at_home"] | None, Query()] = None,
    dienstdag: date | None = None,
):
    # No free text from the URL reaches this page (a link could put any words on a sheet that
    # looks official): what it shows comes from the catalogue and the numbers above.
    catalog = state.catalog()
    service = catalog.by_id(service_id)
    if service is None or not service.is_active:
        raise NotFoundError("Deze dienst bestaat niet (meer).")
    locations = [catalog.locations[i] for i in service.location_indices]
    today = today_in_brussels()
    context = {
        "request": request,
        "attribution": state.attribution,
        "demo": service.demo,
        "service": service,
        "locations": locations,
        "travel_mode": MODE_LABELS_NL.get(mode or "", None),
        "travel_minutes": round(minuten) if minuten is not None else None,
        "travel_estimated": geschat,
        "travel_credits": state.travel_credits,
        "travel_basis": "estimated" if geschat else bron,
        **_sheet_timetable(state, dienstdag, today),
        "weekdays_nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        "need_labels": [needs_by_code()[code].label_nl for code in sorted(service.needs) if code in needs_by_code()],
        "language_names": [LANGUAGE_NAMES_NL.get(code, code) for code in service.languages],
        "today": today,
        "closures": upcoming_closures(service, today=today, horizon_days=state.settings.opening_horizon_days),
    }
    return templates.TemplateResponse(request, "referral_sheet.html", context)


def _sheet_timetable(state, service_date: date | None, today: date) -> dict:
    """The timetable day named on the referral sheet (only a day the loaded feeds cover)."""
    router = state.reach.transit_router
    if service_date is None or router is None:
        return {"travel_timetable": None, "travel_timetable_current": True}
    ranges = router.feed_ranges
    if not any(first <= service_date <= last for first, last in ranges):
        return {"travel_timetable": None, "travel_timetable_current": True}
    names = " en ".join(dict.fromkeys(state.reach.feed_names)) or "dienstregeling"
    return {
        "travel_timetable": f"dienstregeling {names}, dienstdag {date_nl(service_date)}",
        "travel_timetable_current": all(first <= today <= last for first, last in ranges),
    }
