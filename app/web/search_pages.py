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
from markupsafe import Markup
import numpy as np
from pydantic import ValidationError

from app.core import i18n
from app.http.deps import StateDep, ViewerDep
from app.http.search_results import search_response
from app.domain.demo_data import is_demonstration
from app.domain.matching import WEEKDAYS_NL
from app.domain.opening import today_in_brussels, upcoming_closures
from app.domain.profile import LANGUAGE_NAMES_NL, MODE_LABELS_NL, PRESETS, NeedsProfile
from app.domain.search import run_search
from app.domain.taxonomy import NEEDS, REFERRER_TYPES, TARGET_GROUPS, needs_by_code
from app.domain.errors import NotFoundError
from app.web.route_map import context_segments, route_svg
from app.web.sheet_journey import DEPARTURE_PATTERN, journey_text, sheet_itinerary
from app.web.templating import templates
from geo.errors import GeoError
from routing.path import road_path

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
        # the participant's languages the referral sheet can be printed in (Dutch beside it)
        "sheet_languages": {code: LANGUAGE_NAMES_NL[code] for code in i18n.SHEET_LANGUAGES
                            if code != i18n.SOURCE_LANGUAGE},
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
        # the sheet's train legs leave at the start of the hour the search's timetable answered for
        "sheet_departure": outcome.window.start.strftime("%H:%M"),
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
    taal: Annotated[str | None, Query(max_length=10)] = None,
    van: Annotated[str | None, Query(max_length=30, pattern=r"^-?\d{1,2}(\.\d{1,6})?,-?\d{1,3}(\.\d{1,6})?$")] = None,
    vertrek: Annotated[str | None, Query(max_length=5, pattern=DEPARTURE_PATTERN)] = None,
):
    """The sheet the participant takes home: in their language (``taal``), the Dutch below it."""
    # No free text from the URL reaches this page (a link could put any words on a sheet that
    # looks official): what it shows comes from the catalogue and the numbers above.
    catalog = state.catalog()
    service = catalog.by_id(service_id)
    if service is None or not service.is_active:
        raise NotFoundError("Deze dienst bestaat niet (meer).")
    today = today_in_brussels()
    language = i18n.pick_language(taal)  # an unknown value: Dutch
    locations = [catalog.locations[i] for i in service.location_indices]
    context = {
        "demo": is_demonstration([service, *locations]),
        "service": service,
        "locations": locations,
        "travel_mode": mode if mode in MODE_LABELS_NL else None,
        "travel_minutes": round(minuten) if minuten is not None else None,
        "travel_estimated": geschat,
        "travel_credits": state.travel_credits,
        "travel_basis": "estimated" if geschat else bron,
        **_sheet_timetable(state, dienstdag, today),
        "today": today,
        "closures": upcoming_closures(service, today=today, horizon_days=state.settings.opening_horizon_days),
    }
    body = templates.get_template("_referral_sheet_body.html")
    way = way_there(state, mode, van, context["locations"])
    timetable_day = dienstdag if context["travel_timetable"] else None  # only a day the loaded feeds cover
    itinerary = sheet_itinerary(state, mode, van, context["locations"], timetable_day, vertrek)

    def part(part_language: str) -> Markup:
        terms = [needs_by_code()[code] for code in sorted(service.needs) if code in needs_by_code()]
        with i18n.language_in_use(part_language):
            return Markup(body.render(context | {"part_language": part_language,
                                                 "need_labels": need_labels(terms, part_language),
                                                 "way": way_map(way, service.name),
                                                 "journey": journey_text(itinerary)}))

    with i18n.language_in_use(language):
        title = i18n.gettext("Verwijsfiche: %(name)s") % {"name": service.name}
        participant_label = i18n.gettext("De fiche in jouw taal")
    page = {
        "request": request,
        "language": language,
        "direction": i18n.text_direction(language),
        "title": title,
        "participant_label": participant_label,
        "participant_part": part(language) if language != i18n.SOURCE_LANGUAGE else None,
        "dutch_part": part(i18n.SOURCE_LANGUAGE),
    }
    return templates.TemplateResponse(request, "referral_sheet.html", page)


def _sheet_timetable(state, service_date: date | None, today: date) -> dict:
    """The timetable day named on the referral sheet (only a day the loaded feeds cover)."""
    router = state.reach.transit_router
    if service_date is None or router is None:
        return {"travel_timetable": None, "travel_timetable_current": True}
    ranges = router.feed_ranges
    if not any(first <= service_date <= last for first, last in ranges):
        return {"travel_timetable": None, "travel_timetable_current": True}
    names = " + ".join(dict.fromkeys(state.reach.feed_names)) or "NMBS"
    return {
        "travel_timetable": {"names": names, "day": service_date},
        "travel_timetable_current": all(first <= today <= last for first, last in ranges),
    }


def need_labels(terms, language: str) -> list[tuple[str, bool]]:
    """(label, translated) per need: the taxonomy names needs in Dutch, English and (the main ones)
    French; otherwise the Dutch name is shown, marked as Dutch."""
    labels = []
    for term in terms:
        own = {"nl": term.label_nl, "en": term.label_en, "fr": term.label_fr}.get(language, "")
        labels.append((own, True) if own else (term.label_nl, False))
    return labels


#: the road modes the sheet draws the way for (the path is the same network the time was routed on)
ROUTE_MAP_MODES = ("walk", "bike", "ebike")


def way_there(state, mode: str | None, origin: str | None, locations) -> dict | None:
    """The road path from ``origin`` ("lat,lon", from the search) to the first location, or ``None``.

    Only where the time itself was routed on a road network (walk, bike, e-bike) and both ends
    lie on it; the sheet then says how far and draws the way. Nothing is stored.
    """
    if mode not in ROUTE_MAP_MODES or not origin or not locations:
        return None
    network = state.reach.engine.network_for(mode)
    if network is None:
        return None
    lat, lon = (float(part) for part in origin.split(","))
    target = locations[0]
    try:
        path = road_path(network, (lon, lat), (target.longitude, target.latitude))
    except Exception as exc:  # noqa: BLE001 - no map is better than no sheet
        logger.warning("no way there drawn (%s)", type(exc).__name__)  # the type only: no coordinates in logs
        return None
    limit = network.config.max_snap_m
    if path is None or path.access_m > limit or path.egress_m > limit:
        return None
    margin_lon = max(float(np.ptp(path.lon)), 0.003) * 0.2
    margin_lat = max(float(np.ptp(path.lat)), 0.002) * 0.2
    segments = context_segments(network, (path.lon.min() - margin_lon, path.lon.max() + margin_lon),
                                (path.lat.min() - margin_lat, path.lat.max() + margin_lat))
    return {"path": path, "segments": segments, "length_m": path.access_m + path.length_m + path.egress_m}


def way_map(way: dict | None, name: str) -> dict | None:
    """The way there in the language in use: the distance and the SVG map."""
    if way is None:
        return None

    def scale_label(metres: int) -> str:
        return f"{i18n.number(metres / 1000)} km" if metres >= 1000 else f"{metres} m"

    svg = route_svg(way["path"], segments=way["segments"], title=i18n.gettext("Kaart van de weg naar %(name)s") % {
        "name": name}, start_label=i18n.gettext("Vertrek"), end_label=i18n.gettext("Aankomst"), scale_label=scale_label)
    return {"km": i18n.number(way["length_m"] / 1000), "svg": Markup(svg)}
