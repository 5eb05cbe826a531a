"""Deterministic demonstration data for the four regions.

Every organisation, service and location made here is fictional, carries
``demo=True`` and has a generic or clearly made-up name. No real organisation gets an
invented address. The app and API say plainly when they show this data.

The generator is pure: reference geography in, model instances out. Loading them is
one transaction (:func:`load_demo_data`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from shapely.geometry import Point
from sqlmodel import Session, select

from app.core import models
from app.core.db import committing
from app.operations.demo_templates import BASIC_TEMPLATES, OPENING_PATTERNS, TEMPLATES, ServiceTemplate
from app.domain.taxonomy import REFERRER_TYPES, target_groups_by_code
from geo.projection import to_metric
from geo.regions import Municipality, RegionIndex
from geo.text import normalise_name

DEMO_NAMESPACE = uuid.UUID("6f1f6a52-51a4-4d0c-9b0e-3c6c0f8a7d10")

LANGUAGE_WEIGHTS = {
    "fr": 0.30,
    "en": 0.35,
    "ar": 0.12,
    "ti": 0.05,
    "prs": 0.05,
    "uk": 0.07,
    "ro": 0.05,
    "tr": 0.06,
    "ru": 0.05,
    "so": 0.03,
    "pl": 0.05,
}

ORG_WORDS = (
    "De Brug", "Het Anker", "De Vonk", "Open Deur", "De Klimop", "Zonnebloem", "De Horizon",
    "Het Klaverblad", "De Overzet", "Klaproos", "De Linde", "Het Baken", "De Stek", "Ginkgo",
    "De Wending", "Het Veer", "De Lantaarn", "Kameleon", "De Schakel", "Het Nest", "De Oever",
    "Windroos", "De Kiem", "Het Trefpunt", "De Boog", "Vlinder", "De Loods", "Het Dorp",
    "De Regenboog", "Sterrenhuis", "De Steiger", "Het Spoor", "De Molen", "Zeewind", "De Akker",
    "Het Venster", "De Kapstok", "Bolwerk", "De Wegwijzer", "Het Kruispunt",
)

ORG_KINDS = (
    ("Welzijnshuis", "ocmw"),
    ("Welzijnspunt", "caw"),
    ("Vzw", "ngo"),
    ("Centrum", "ngo"),
    ("Leerpunt", "education"),
    ("Gezondheidshuis", "health"),
    ("Werkplaats", "work"),
    ("Buurthuis", "municipality"),
)

STREETS = (
    "Kerkstraat", "Stationsstraat", "Marktplein", "Schoolstraat", "Molenstraat", "Nieuwstraat",
    "Dorpsstraat", "Kapelstraat", "Groenstraat", "Beekstraat", "Zuidstraat", "Noordstraat",
    "Hoogstraat", "Kasteelstraat", "Lindenlaan", "Vijverstraat",
)


#: Home visits ("aan huis") in the demo: a minority of services, mostly in their own
#: municipality. The templates' chances (what kind of service tends to visit) are scaled so
#: that about one service in ten comes to the home, and a visiting service covers a
#: neighbouring municipality with this chance each. These are our assumptions for
#: demonstration data (no open Flemish figure was at hand), chosen so that the gap map shows
#: where the offer is rather than where the generator sent home visits.
OUTREACH_SCALE = 0.5
OUTREACH_NEIGHBOUR_CHANCE = 0.2

#: the accessibility text of a location per wheelchair level (None: not known)
ACCESSIBILITY_TEXT = {
    None: "",
    0: "Trappen aan de ingang, geen helling.",
    1: "Eén trede aan de ingang; hulp mogelijk.",
    2: "Drempelvrije ingang, brede deuren.",
    3: "Drempelvrij, met aangepast toilet.",
}


@dataclass
class DemoDataset:
    """Everything the generator makes, ready to add to a session."""

    organizations: list[models.Organization] = field(default_factory=list)
    services: list[models.Service] = field(default_factory=list)
    locations: list[models.Location] = field(default_factory=list)
    service_at_locations: list[models.ServiceAtLocation] = field(default_factory=list)
    service_needs: list[models.ServiceNeed] = field(default_factory=list)
    service_target_groups: list[models.ServiceTargetGroup] = field(default_factory=list)
    service_areas: list[models.ServiceArea] = field(default_factory=list)
    schedules: list[models.Schedule] = field(default_factory=list)
    closures: list[models.Closure] = field(default_factory=list)

    def batches(self) -> list[list]:
        """Parents before children: each batch is flushed before the next (foreign keys)."""
        return [
            self.organizations,
            [*self.locations, *self.services],
            [*self.service_at_locations, *self.service_needs, *self.service_target_groups, *self.service_areas,
             *self.schedules, *self.closures],
        ]


class _Ids:
    """Deterministic UUIDs: the same seed always yields the same identifiers."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self, kind: str, *parts: object) -> str:
        return str(uuid.uuid5(DEMO_NAMESPACE, f"{self.seed}:{kind}:" + ":".join(map(str, parts))))


def _organizations_for(municipality: Municipality) -> int:
    """More organisations in larger towns, at least three everywhere."""
    return 3 + municipality.population // 12000


def _neighbours(regions: RegionIndex) -> dict[str, list[str]]:
    neighbours: dict[str, list[str]] = {}
    for municipality in regions.municipalities:
        grown = municipality.geometry_metric.buffer(250)
        neighbours[municipality.nis] = [
            other.nis
            for other in regions.municipalities
            if other.nis != municipality.nis and grown.intersects(other.geometry_metric)
        ]
    return neighbours


def _point_near_place(
    municipality: Municipality,
    anchors: Sequence[tuple[float, float, str, str]],
    rnd: random.Random,
    np_rng: np.random.Generator,
    regions: RegionIndex,
    *,
    spread: float = 1.0,
) -> tuple[float, float, str, str]:
    """A point inside the municipality, close to one of its postcode/place points.

    ``spread`` scales the scatter around the place point (1.0: about 400 m standard deviation).
    """
    for _ in range(40):
        lon, lat, postcode, city = anchors[rnd.randrange(len(anchors))]
        cand_lon = lon + rnd.gauss(0, 0.0057 * spread)
        cand_lat = lat + rnd.gauss(0, 0.0036 * spread)
        if municipality.geometry.contains(Point(cand_lon, cand_lat)):
            return cand_lon, cand_lat, postcode, city
    lon, lat = regions.random_points_in(municipality.nis, 1, rng=np_rng)[0]
    _, _, postcode, city = anchors[0]
    return float(lon), float(lat), postcode, city


def _centre(
    anchors: Sequence[tuple[float, float, str, str]], municipality: Municipality
) -> tuple[float, float, str, str]:
    """The place named like the municipality (its centre), else the first anchor."""
    names = {normalise_name(name) for name in (municipality.name_nl, municipality.name_fr)}
    return next((anchor for anchor in anchors if normalise_name(anchor[3]) in names), anchors[0])


def _languages(rnd: random.Random) -> list[str]:
    languages = ["nl"]
    for code, weight in LANGUAGE_WEIGHTS.items():
        if rnd.random() < weight:
            languages.append(code)
    return languages


def generate_demo_data(
    regions: RegionIndex,
    places: Sequence,
    *,
    seed: int,
    today: date,
) -> DemoDataset:
    """Make a deterministic, fictional dataset covering all municipalities.

    Parameters
    ----------
    regions
        The 44 municipalities.
    places
        Postcode/place points (:class:`geo.places.Place`); locations are put near them.
    seed
        The random seed; the same seed, regions, places and ``today`` give the same data.
    today
        Reference date for verification dates (some entries are over a year old).
    """
    builder = _DemoBuilder(regions, seed=seed, today=today)
    anchors_by_nis: dict[str, list[tuple[float, float, str, str]]] = {}
    for place in places:
        anchors_by_nis.setdefault(place.municipality_nis, []).append(
            (place.lon, place.lat, place.postcode, place.name)
        )
    for municipality in sorted(regions.municipalities, key=lambda m: m.nis):
        anchors = anchors_by_nis.get(municipality.nis) or [
            (
                municipality.geometry.representative_point().x,
                municipality.geometry.representative_point().y,
                "",
                municipality.name_nl,
            )
        ]
        for org_number in range(_organizations_for(municipality)):
            builder.add_organization(municipality, anchors, org_number)
    return builder.data


@dataclass
class _Organisation:
    """The organisation being filled: what its locations and services take from it."""

    record: models.Organization
    kind: str
    word: str
    number: int
    locations: list[models.Location] = field(default_factory=list)


class _DemoBuilder:
    """The generator's state while it walks the municipalities: the random sequences, the
    template cycle and the dataset so far.

    The order of the random draws is the data: the same seed gives the same dataset only if
    every draw happens in the same order, so the steps below draw exactly as one long loop did.
    """

    def __init__(self, regions: RegionIndex, *, seed: int, today: date) -> None:
        self.regions = regions
        self.today = today
        self.rnd = random.Random(seed)
        # home visits are thinned with their own generator: the main sequence (and so the rest of
        # the demo data) stays exactly as it was before OUTREACH_SCALE
        self.outreach_rnd = random.Random(seed + 1)
        self.np_rng = np.random.default_rng(seed)
        self.ids = _Ids(seed)
        self.data = DemoDataset()
        self.neighbours = _neighbours(regions)
        self.template_cycle = list(TEMPLATES)
        self.rnd.shuffle(self.template_cycle)
        self.template_index = 0
        self.used_org_names: set[str] = set()
        self.valid_target_groups = target_groups_by_code()

    def add_organization(self, municipality: Municipality, anchors: Sequence[tuple[float, float, str, str]],
                         org_number: int) -> None:
        """One organisation with its one or two locations and its services."""
        rnd = self.rnd
        # Every municipality has a welfare house with the basics (as every Flemish
        # municipality has a social service); the other organisations are random.
        kind_label, org_type = ORG_KINDS[0] if org_number == 0 else ORG_KINDS[rnd.randrange(len(ORG_KINDS))]
        word = ORG_WORDS[rnd.randrange(len(ORG_WORDS))]
        org_name = f"{kind_label} {word} {municipality.name_nl}"
        if org_name in self.used_org_names:
            org_name = f"{kind_label} {word} {municipality.name_nl} {org_number + 1}"
        self.used_org_names.add(org_name)
        org_id = self.ids("organization", municipality.nis, org_number)
        organisation = _Organisation(
            record=models.Organization(
                id=org_id,
                name=org_name,
                description=f"Fictieve organisatie (demonstratiedata) in {municipality.name_nl}.",
                email=f"info@{org_id[:8]}.demo.invalid",
                website=None,
                organization_type=org_type,
                demo=True,
            ),
            kind=org_type, word=word, number=org_number,
        )
        self.data.organizations.append(organisation.record)
        for loc_number in range(1 + (rnd.random() < 0.25)):
            location = self._location(municipality, anchors, organisation, loc_number)
            self.data.locations.append(location)
            organisation.locations.append(location)
        matching = [t for t in self.template_cycle if not t.org_kinds or org_type in t.org_kinds] or self.template_cycle
        basics = BASIC_TEMPLATES if org_number == 0 else ()
        offered: set[str] = set()
        for service_number in range(len(basics) + rnd.choice((2, 2, 3, 3, 4))):
            # Walk the shuffled templates so that every need appears everywhere over time.
            if service_number < len(basics):
                template = basics[service_number]
            elif rnd.random() < 0.5:
                template = self.template_cycle[self.template_index % len(self.template_cycle)]
                self.template_index += 1
            else:
                template = matching[rnd.randrange(len(matching))]
            if template.name in offered:
                continue  # one organisation does not offer the same service twice
            offered.add(template.name)
            self._add_service(municipality, organisation, template, service_number)

    def _location(self, municipality: Municipality, anchors: Sequence[tuple[float, float, str, str]],
                  organisation: _Organisation, loc_number: int) -> models.Location:
        rnd = self.rnd
        org_name = organisation.record.name
        # The welfare house's main address is in the centre, as a sociaal huis is.
        centre_only = organisation.number == 0 and loc_number == 0
        lon, lat, postcode, city = _point_near_place(
            municipality, [_centre(anchors, municipality)] if centre_only else anchors,
            rnd, self.np_rng, self.regions, spread=0.35 if centre_only else 1.0,
        )
        x, y = to_metric(np.array([lon]), np.array([lat]))
        level = rnd.choices([None, 0, 1, 2, 3], weights=[10, 15, 20, 35, 20])[0]
        return models.Location(
            id=self.ids("location", municipality.nis, organisation.number, loc_number),
            organization_id=organisation.record.id,
            name=org_name if loc_number == 0 else f"{org_name} (tweede vestiging)",
            address_1=f"{STREETS[rnd.randrange(len(STREETS))]} {rnd.randint(1, 180)}",
            postcode=postcode,
            city=city,
            municipality_nis=municipality.nis,
            latitude=round(lat, 6),
            longitude=round(lon, 6),
            x_metric=float(x[0]),
            y_metric=float(y[0]),
            geocode_precision=models.GeocodePrecision.ADDRESS.value,
            wheelchair_level=level,
            accessibility_description=ACCESSIBILITY_TEXT[level],
            demo=True,
        )

    def _add_service(self, municipality: Municipality, organisation: _Organisation, template: ServiceTemplate,
                     service_number: int) -> None:
        """The service of a template with its needs, target groups, area, locations and opening hours."""
        rnd = self.rnd
        service_id = self.ids("service", municipality.nis, organisation.number, service_number)
        service, visits = self._service_record(service_id, organisation, template)
        data = self.data
        data.services.append(service)
        for code in template.needs:
            data.service_needs.append(models.ServiceNeed(service_id=service_id, need_code=code))
        for code in template.target_groups:
            if code in self.valid_target_groups:
                data.service_target_groups.append(
                    models.ServiceTargetGroup(service_id=service_id, target_group_code=code)
                )
        if visits:
            drawn = [nis for nis in self.neighbours[municipality.nis] if rnd.random() < 0.6]
            keep = OUTREACH_NEIGHBOUR_CHANCE / 0.6
            area = [municipality.nis] + [nis for nis in drawn if self.outreach_rnd.random() < keep]
            for nis in area if service.outreach else ():
                data.service_areas.append(models.ServiceArea(service_id=service_id, municipality_nis=nis))
        locations = organisation.locations
        served_locations = locations if rnd.random() < 0.3 else locations[:1]
        for location in served_locations:
            data.service_at_locations.append(
                models.ServiceAtLocation(
                    id=self.ids("sal", service_id, location.id), service_id=service_id, location_id=location.id
                )
            )
        _add_opening_hours_and_closure(data, self.ids, service_id, template, rnd, self.today)

    def _service_record(self, service_id: str, organisation: _Organisation,
                        template: ServiceTemplate) -> tuple[models.Service, bool]:
        """The service itself (the keyword arguments draw in the order they are written) and whether it
        visits homes (before the outreach thinning: a visiting service draws its area either way)."""
        rnd = self.rnd
        verified_days_ago = rnd.randint(420, 900) if rnd.random() < 0.12 else rnd.randint(3, 300)
        waiting = rnd.choices(
            [models.WaitingList.NONE, models.WaitingList.SHORT, models.WaitingList.LONG, models.WaitingList.CLOSED],
            weights=[65, 20, 10, 5],
        )[0]
        waiting_weeks = {
            models.WaitingList.NONE: None,
            models.WaitingList.SHORT: rnd.randint(2, 6),
            models.WaitingList.LONG: rnd.randint(8, 26),
            models.WaitingList.CLOSED: None,
        }[waiting]
        visits = rnd.random() < template.outreach_chance
        outreach = visits and self.outreach_rnd.random() < OUTREACH_SCALE
        status = models.ServiceStatus.ACTIVE.value
        if rnd.random() < 0.03:
            status = models.ServiceStatus.INACTIVE.value
        referral = list(template.referral)
        if not referral and rnd.random() < 0.08:
            referral = [rnd.choice(list(REFERRER_TYPES))]
        languages = _languages(rnd)
        service = models.Service(
            id=service_id,
            organization_id=organisation.record.id,
            name=f"{template.name} {organisation.word}",
            description=template.description + " (Demonstratiedata: deze dienst bestaat niet.)",
            email=organisation.record.email,
            phone=_phone_number(rnd),
            internal_phone=_phone_number(rnd),
            internal_notes="Interne nota voor trajectbegeleiders (demo).",
            status=status,
            published=rnd.random() > 0.02,
            minimum_age=template.min_age,
            maximum_age=template.max_age,
            eligibility_description=_eligibility_text(template, referral),
            referral_required_from=referral,
            application_process=(
                "Na doorverwijzing door je begeleider."
                if referral
                else rnd.choice(("Kom langs tijdens de openingsuren.", "Bel eerst voor een afspraak.", "Stuur een e-mail of bel."))
            ),
            what_to_bring=template.what_to_bring,
            fees_description="" if rnd.random() < 0.8 else "Kleine bijdrage, afhankelijk van je inkomen.",
            free_of_charge=rnd.random() < 0.8,
            languages=languages,
            interpretation_available=rnd.random() < 0.3,
            outreach=outreach,
            waiting_list=waiting.value,
            waiting_weeks=waiting_weeks,
            closed_on_public_holidays=rnd.random() < 0.9,
            assured_date=self.today - timedelta(days=verified_days_ago),
            assured_by="demo@sociale-kaart.invalid",
            demo=True,
        )
        return service, visits


def _phone_number(rnd: random.Random) -> str:
    return f"+32 {rnd.randint(50, 59)} {rnd.randint(10, 99)} {rnd.randint(10, 99)} {rnd.randint(10, 99)}"


def _add_opening_hours_and_closure(data: DemoDataset, ids: _Ids, service_id: str, template: ServiceTemplate,
                                   rnd: random.Random, today: date) -> None:
    """A service's weekly opening pattern (crisis services: day and night) and, for some, a closure ahead."""
    pattern_choices = list(range(len(OPENING_PATTERNS) - 1))
    if "mental-health/crisis" in template.needs or "housing/emergency" in template.needs:
        pattern = OPENING_PATTERNS[-1]
    else:
        pattern = OPENING_PATTERNS[rnd.choice(pattern_choices)]
    by_appointment = rnd.random() < 0.2
    for slot_number, (weekday, opens_at, closes_at) in enumerate(pattern):
        data.schedules.append(
            models.Schedule(
                id=ids("schedule", service_id, slot_number),
                service_id=service_id,
                weekday=weekday,
                opens_at=opens_at,
                closes_at=closes_at,
                by_appointment=by_appointment,
            )
        )
    if rnd.random() < 0.15:
        start = today + timedelta(days=rnd.randint(5, 120))
        data.closures.append(
            models.Closure(
                id=ids("closure", service_id),
                service_id=service_id,
                starts_on=start,
                ends_on=start + timedelta(days=rnd.randint(3, 20)),
                reason="Jaarlijkse sluiting",
            )
        )


def _eligibility_text(template: ServiceTemplate, referral: list[str]) -> str:
    parts = []
    if template.min_age is not None and template.max_age is not None:
        parts.append(f"Van {template.min_age} tot {template.max_age} jaar.")
    elif template.min_age is not None:
        parts.append(f"Vanaf {template.min_age} jaar.")
    if template.target_groups:
        labels = [target_groups_by_code()[code].label_nl for code in template.target_groups]
        parts.append("Voor: " + ", ".join(labels) + ".")
    if referral:
        parts.append("Enkel na doorverwijzing door " + " of ".join(REFERRER_TYPES[r] for r in referral) + ".")
    return " ".join(parts) or "Iedereen is welkom."


def is_database_empty(session: Session) -> bool:
    return session.exec(select(models.Service.id).limit(1)).first() is None


def load_demo_data(session: Session, dataset: DemoDataset) -> None:
    """Insert the dataset in one transaction and record that it is demonstration data."""
    with committing(session):
        for batch in dataset.batches():
            session.add_all(batch)
            session.flush()
        session.merge(models.DatasetInfo(key="demo", value="true"))
