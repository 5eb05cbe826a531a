"""Every route of the app x every role: the expected outcome, from one explicit table.

Roles: anonymous, a coach, a partner of organisation A, the coordinator of partnership P
(organisation A works there, organisation B does not) and a coordinator of all partnerships.
A route missing from ``PROBES`` fails the test, so a new route needs a decision here.

Outcome classes: ``ok`` (2xx, or a redirect that is not to the login page), ``login``
(anonymous: pages redirect to /aanmelden, the API answers 401), ``403``, ``404``, ``400``.
Every POST/PATCH that needs a CSRF token is sent twice by each role: without the token it
must be refused (login or 403); with it, the table's outcome applies.

It runs on its own small database, so the writes that are allowed really happen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from cryptography.fernet import Fernet, MultiFernet
from pydantic import SecretStr
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from app.core.db import make_engine
from app.server.main import create_app
from app.operations.reference_data import sync_reference_data
from geo.projection import to_metric
from geo.regions import PARTNERSHIPS
from tests.conftest import reset_schema
from tests.isolated_db import empty_database
from tests.web.test_partner_pages import PASSWORD, csrf_of, login

ROLES = ("anonymous", "coach", "partner", "coordinator_p", "coordinator_all")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"

PUBLIC = dict.fromkeys(ROLES, "ok")
EDITORS = {"anonymous": "login", "coach": "403", "partner": "ok", "coordinator_p": "ok", "coordinator_all": "ok"}
#: organisation B's things: not the partner's, outside partnership P
OTHERS = {"anonymous": "login", "coach": "403", "partner": "403", "coordinator_p": "403", "coordinator_all": "ok"}
UNKNOWN = {"anonymous": "login", "coach": "403", "partner": "404", "coordinator_p": "404", "coordinator_all": "404"}
COORDINATORS = {"anonymous": "login", "coach": "403", "partner": "403", "coordinator_p": "ok", "coordinator_all": "ok"}
SIGNED_IN = {**dict.fromkeys(ROLES, "ok"), "anonymous": "login"}
SIGNED_IN_400 = {**dict.fromkeys(ROLES, "400"), "anonymous": "login"}
#: referrals (#13) are also probed by another coach and a partner of organisation B
EXTRA_ROLES = ("coach_other", "partner_other")
_SIGNED_IN = ("coach", "partner", "coordinator_p", "coordinator_all", *EXTRA_ROLES)
#: one referral: its coach and organisation A's partners, nobody else (not even coordinators)
REFERRAL_PARTIES = {"anonymous": "login", **dict.fromkeys(_SIGNED_IN, "404"), "coach": "ok", "partner": "ok"}
REFERRAL_COACH = {**REFERRAL_PARTIES, "partner": "404"}
REFERRAL_PARTNER = {**REFERRAL_PARTIES, "coach": "404"}
REFERRAL_UNKNOWN = {"anonymous": "login", **dict.fromkeys(_SIGNED_IN, "404")}
COACHES = {"anonymous": "login", **dict.fromkeys(_SIGNED_IN, "403"), "coach": "ok", "coach_other": "ok"}
REFERRAL_LISTS = {**COACHES, "partner": "ok", "partner_other": "ok"}
REFERRAL_COUNTS = {**COORDINATORS, "coach_other": "403", "partner_other": "403"}


@dataclass(frozen=True)
class Probe:
    method: str
    route: str  #: the route's path template, as in app.routes
    url: str  #: with ``{own_service}``-style placeholders filled from the world
    expect: dict[str, str]
    #: how a write carries its CSRF token: "form" (field csrf), "header" (X-CSRF-Token), None (no token needed)
    csrf: str | None = None
    body: Callable[[dict, str], dict] | None = None
    json: bool = False
    html: bool = True
    label: str = ""
    params: dict = field(default_factory=dict)


def service_form(world: dict, role: str, target: str) -> dict:
    return {"version": str(world["versions"][target]()), "name": f"Dienst bewerkt door {role}", "status": "active",
            "waiting_list": "none", "languages": ["nl"], "needs": ["housing"], "published": "on",
            "location_ids": [world[target.replace("_service", "_location")]]}


def new_service_form(world: dict, role: str, organization: str) -> dict:
    return {"name": f"Nieuwe dienst {role} {uuid.uuid4().hex[:6]}", "description": "",
            "organization_id": world[organization], "needs": ["housing"], "toch_aanmaken": "1",
            "location_ids": [world[organization.replace("_organization", "_location")]]}


def location_form(world: dict, role: str, organization: str, version: int | None = None) -> dict:
    lon, lat = world["pins"][organization]
    form = {"name": f"Locatie van {role}", "latitude": str(lat), "longitude": str(lon), "active": "on",
            "organization_id": world[organization]}
    if version is not None:
        form["version"] = str(version)
    return form


def probes() -> list[Probe]:
    api = dict(html=False)
    return [
        # ---- documentation, health, reference data
        Probe("GET", "/openapi.json", "/openapi.json", PUBLIC, **api),
        Probe("GET", "/docs", "/docs", PUBLIC),
        Probe("GET", "/docs/oauth2-redirect", "/docs/oauth2-redirect", PUBLIC),
        Probe("GET", "/redoc", "/redoc", PUBLIC),
        Probe("GET", "/healthz", "/healthz", PUBLIC, **api),
        Probe("GET", "/livez", "/livez", PUBLIC, **api),
        Probe("GET", "/api/v1/needs", "/api/v1/needs", PUBLIC, **api),
        Probe("GET", "/api/v1/target-groups", "/api/v1/target-groups", PUBLIC, **api),
        Probe("GET", "/api/v1/geocode", "/api/v1/geocode?q=8500", PUBLIC, **api),
        Probe("GET", "/api/v1/partnerships", "/api/v1/partnerships", PUBLIC, **api),
        Probe("GET", "/api/v1/municipalities", "/api/v1/municipalities", PUBLIC, **api),
        Probe("GET", "/api/v1/municipalities.geojson", "/api/v1/municipalities.geojson", PUBLIC, **api),
        Probe("GET", "/api/v1/services", "/api/v1/services", PUBLIC, **api),
        Probe("GET", "/api/v1/gaps", "/api/v1/gaps?need=housing&profile=bike", PUBLIC, **api),
        Probe("GET", "/api/v1/gaps/hexagons", "/api/v1/gaps/hexagons?need=housing&profile=bike", PUBLIC, **api),
        # ---- search (read-only: no CSRF token, same answer for everyone)
        Probe("GET", "/api/v1/search", "/api/v1/search?q=8500&needs=housing", PUBLIC, **api),
        Probe("POST", "/api/v1/search", "/api/v1/search", PUBLIC, json=True, **api,
              body=lambda world, role: {"home": {"query": "8500"}, "needs": ["housing"]}),
        Probe("GET", "/api/v1/public/needs", "/api/v1/public/needs", PUBLIC, **api),
        Probe("GET", "/api/v1/public/geocode", "/api/v1/public/geocode?q=8500", PUBLIC, **api),
        Probe("GET", "/api/v1/public/search", "/api/v1/public/search?q=8500&needs=housing", PUBLIC, **api),
        # ---- HSDS
        Probe("GET", "/api/hsds/", "/api/hsds/", PUBLIC, **api),
        Probe("GET", "/api/hsds/services", "/api/hsds/services", PUBLIC, **api),
        Probe("GET", "/api/hsds/services/{service_id}", "/api/hsds/services/{own_service}", PUBLIC, **api),
        Probe("GET", "/api/hsds/organizations", "/api/hsds/organizations", PUBLIC, **api),
        Probe("GET", "/api/hsds/organizations/{organization_id}", "/api/hsds/organizations/{own_organization}",
              PUBLIC, **api),
        Probe("GET", "/api/hsds/taxonomies", "/api/hsds/taxonomies", PUBLIC, **api),
        Probe("GET", "/api/hsds/taxonomy_terms", "/api/hsds/taxonomy_terms", PUBLIC, **api),
        Probe("GET", "/api/hsds/service_at_locations", "/api/hsds/service_at_locations", PUBLIC, **api),
        # ---- widget and public pages
        Probe("GET", "/widget.js", "/widget.js", PUBLIC, **api),
        Probe("GET", "/embed", "/embed", PUBLIC),
        Probe("GET", "/embed/configurator", "/embed/configurator", PUBLIC),
        Probe("GET", "/static", "/static/widget/widget.js", PUBLIC, **api),
        Probe("GET", "/", "/", PUBLIC),
        Probe("GET", "/over", "/over", PUBLIC),
        Probe("GET", "/zoeken", "/zoeken?woonplaats=8500&noden=housing", PUBLIC),
        Probe("GET", "/verwijsfiche/{service_id}", "/verwijsfiche/{own_service}", PUBLIC),
        Probe("GET", "/verwijsfiche/{service_id}", "/verwijsfiche/" + UNKNOWN_ID, dict.fromkeys(ROLES, "404"),
              label="unknown"),
        # ---- signing in and out, invites (double-submit cookie before there is a session)
        Probe("GET", "/aanmelden", "/aanmelden", PUBLIC),
        Probe("POST", "/aanmelden", "/aanmelden", dict.fromkeys(ROLES, "400"), csrf="login",
              body=lambda world, role: {"email": "niemand@example.org", "password": "verkeerd-wachtwoord"}),
        Probe("POST", "/afmelden", "/afmelden", {**dict.fromkeys(ROLES, "ok"), "anonymous": "403"}, csrf="form",
              body=lambda world, role: {}),
        Probe("GET", "/uitnodiging/{token}", "/uitnodiging/onbekend-token", PUBLIC),
        Probe("POST", "/uitnodiging/{token}", "/uitnodiging/onbekend-token", dict.fromkeys(ROLES, "400"),
              csrf="invite", body=lambda world, role: {"password": PASSWORD}),
        # ---- own account; a forgotten password (double-submit cookie before there is a session)
        Probe("GET", "/mijn-account", "/mijn-account", SIGNED_IN),
        Probe("POST", "/mijn-account/wachtwoord", "/mijn-account/wachtwoord", {**SIGNED_IN_400}, csrf="form",
              body=lambda world, role: {"huidig": "niet-mijn-wachtwoord", "nieuw": "x" * 12, "herhaal": "x" * 12}),
        Probe("POST", "/mijn-account/andere-toestellen", "/mijn-account/andere-toestellen", SIGNED_IN, csrf="form",
              body=lambda world, role: {}),
        Probe("GET", "/wachtwoord/vergeten", "/wachtwoord/vergeten", PUBLIC),
        Probe("POST", "/wachtwoord/vergeten", "/wachtwoord/vergeten", PUBLIC, csrf="password",
              body=lambda world, role: {"email": "niemand@example.org"}),
        Probe("GET", "/wachtwoord/herstellen/{token}", "/wachtwoord/herstellen/onbekend-token",
              dict.fromkeys(ROLES, "400")),
        Probe("POST", "/wachtwoord/herstellen/{token}", "/wachtwoord/herstellen/onbekend-token",
              dict.fromkeys(ROLES, "400"), csrf="password",
              body=lambda world, role: {"nieuw": "x" * 12, "herhaal": "x" * 12}),
        # ---- partner portal: services
        Probe("GET", "/partner", "/partner", EDITORS),
        Probe("GET", "/partner/diensten/{service_id}", "/partner/diensten/{own_service}", EDITORS, label="own"),
        Probe("GET", "/partner/diensten/{service_id}", "/partner/diensten/{other_service}", OTHERS, label="other"),
        Probe("GET", "/partner/diensten/{service_id}", "/partner/diensten/" + UNKNOWN_ID, UNKNOWN, label="unknown"),
        Probe("POST", "/partner/diensten/{service_id}", "/partner/diensten/{own_service}", EDITORS, csrf="form",
              body=lambda world, role: service_form(world, role, "own_service"), label="own"),
        Probe("POST", "/partner/diensten/{service_id}", "/partner/diensten/{other_service}", OTHERS, csrf="form",
              body=lambda world, role: service_form(world, role, "other_service"), label="other"),
        Probe("POST", "/partner/diensten/{service_id}/klopt-nog", "/partner/diensten/{own_service}/klopt-nog", EDITORS,
              csrf="form", body=lambda world, role: {}, label="own"),
        Probe("POST", "/partner/diensten/{service_id}/klopt-nog", "/partner/diensten/{other_service}/klopt-nog",
              OTHERS, csrf="form", body=lambda world, role: {}, label="other"),
        Probe("GET", "/partner/nieuwe-dienst", "/partner/nieuwe-dienst", EDITORS),
        Probe("POST", "/partner/nieuwe-dienst", "/partner/nieuwe-dienst", EDITORS, csrf="form",
              body=lambda world, role: new_service_form(world, role, "own_organization"), label="own"),
        Probe("POST", "/partner/nieuwe-dienst", "/partner/nieuwe-dienst", OTHERS, csrf="form",
              body=lambda world, role: new_service_form(world, role, "other_organization"), label="other"),
        # ---- partner portal: locations
        Probe("GET", "/partner/locaties", "/partner/locaties", EDITORS),
        Probe("GET", "/partner/locaties/nieuw", "/partner/locaties/nieuw", EDITORS),
        Probe("GET", "/partner/locaties/{location_id}", "/partner/locaties/{own_location}", EDITORS, label="own"),
        Probe("GET", "/partner/locaties/{location_id}", "/partner/locaties/{other_location}", OTHERS, label="other"),
        Probe("GET", "/partner/locaties/{location_id}", "/partner/locaties/" + UNKNOWN_ID, UNKNOWN, label="unknown"),
        Probe("POST", "/partner/locaties", "/partner/locaties", EDITORS, csrf="form",
              body=lambda world, role: location_form(world, role, "own_organization"), label="own"),
        Probe("POST", "/partner/locaties", "/partner/locaties", OTHERS, csrf="form",
              body=lambda world, role: location_form(world, role, "other_organization"), label="other"),
        Probe("POST", "/partner/locaties/{location_id}", "/partner/locaties/{own_location}", EDITORS, csrf="form",
              body=lambda world, role: location_form(world, role, "own_organization",
                                                     world["versions"]["own_location"]()), label="own"),
        Probe("POST", "/partner/locaties/{location_id}", "/partner/locaties/{other_location}", OTHERS, csrf="form",
              body=lambda world, role: location_form(world, role, "other_organization",
                                                     world["versions"]["other_location"]()), label="other"),
        # ---- editing API
        Probe("GET", "/api/v1/services/{service_id}/edit", "/api/v1/services/{own_service}/edit", EDITORS, **api,
              label="own"),
        Probe("GET", "/api/v1/services/{service_id}/edit", "/api/v1/services/{other_service}/edit", OTHERS, **api,
              label="other"),
        Probe("GET", "/api/v1/services/{service_id}/edit", "/api/v1/services/" + UNKNOWN_ID + "/edit", UNKNOWN,
              **api, label="unknown"),
        Probe("PATCH", "/api/v1/services/{service_id}", "/api/v1/services/{own_service}", EDITORS, csrf="header",
              json=True, **api, label="own",
              body=lambda world, role: {"version": world["versions"]["own_service"](), "changes": {"waiting_weeks": 3}}),
        Probe("PATCH", "/api/v1/services/{service_id}", "/api/v1/services/{other_service}", OTHERS, csrf="header",
              json=True, **api, label="other",
              body=lambda world, role: {"version": world["versions"]["other_service"](), "changes": {"waiting_weeks": 3}}),
        Probe("POST", "/api/v1/services/{service_id}/verify", "/api/v1/services/{own_service}/verify", EDITORS,
              csrf="header", **api, label="own"),
        Probe("POST", "/api/v1/services/{service_id}/verify", "/api/v1/services/{other_service}/verify", OTHERS,
              csrf="header", **api, label="other"),
        # ---- coordinators
        Probe("GET", "/coordinator", "/coordinator", COORDINATORS),
        Probe("GET", "/coordinator/organisaties/nieuw", "/coordinator/organisaties/nieuw", COORDINATORS),
        Probe("POST", "/coordinator/organisaties/nieuw", "/coordinator/organisaties/nieuw", COORDINATORS, csrf="form",
              body=lambda world, role: {"name": f"Organisatie {role} {uuid.uuid4().hex[:6]}", "organization_type": "ngo",
                                        "toch_aanmaken": "1"}),
        Probe("GET", "/coordinator/hiaten", "/coordinator/hiaten?need=housing", COORDINATORS),
        Probe("GET", "/coordinator/hiaten.csv", "/coordinator/hiaten.csv?need=housing", COORDINATORS),
        Probe("GET", "/coordinator/hiaten.png", "/coordinator/hiaten.png?need=housing", COORDINATORS),
        Probe("GET", "/coordinator/hiaten.gpkg", "/coordinator/hiaten.gpkg?need=housing", COORDINATORS),
        *referral_probes(),
    ]


def referral_probes() -> list[Probe]:
    """The warm referral (#13): API and pages, each with another coach and another organisation's partner."""
    api = dict(html=False)
    message = lambda world, role: {"text": f"Bericht van {role}"}  # noqa: E731
    forward = lambda world, role: {"service_id": world["other_own_service"]()}  # noqa: E731
    return [
        Probe("POST", "/api/v1/referrals", "/api/v1/referrals", COACHES, csrf="header", json=True, **api,
              body=lambda world, role: referral_body(world)),
        Probe("GET", "/api/v1/referrals", "/api/v1/referrals", REFERRAL_LISTS, **api),
        Probe("GET", "/api/v1/referrals/stats", "/api/v1/referrals/stats", REFERRAL_COUNTS, **api),
        Probe("GET", "/api/v1/referrals/{referral_id}", "/api/v1/referrals/{referral}", REFERRAL_PARTIES, **api),
        Probe("GET", "/api/v1/referrals/{referral_id}", "/api/v1/referrals/" + UNKNOWN_ID, REFERRAL_UNKNOWN, **api,
              label="unknown"),
        Probe("POST", "/api/v1/referrals/{referral_id}/status", "/api/v1/referrals/{referral}/status", REFERRAL_PARTNER,
              csrf="header", json=True, **api, body=lambda world, role: {"status": "contacted"}),
        Probe("POST", "/api/v1/referrals/{referral_id}/forward", "/api/v1/referrals/{referral}/forward",
              REFERRAL_PARTNER, csrf="header", json=True, **api, body=forward),
        Probe("POST", "/api/v1/referrals/{referral_id}/messages", "/api/v1/referrals/{referral}/messages",
              REFERRAL_PARTIES, csrf="header", json=True, **api, body=message),
        Probe("POST", "/api/v1/referrals/{referral_id}/withdraw", "/api/v1/referrals/{referral_to_withdraw}/withdraw",
              REFERRAL_COACH, csrf="header", **api),
        Probe("GET", "/verwijzingen", "/verwijzingen", REFERRAL_LISTS),
        Probe("GET", "/verwijzingen/nieuw", "/verwijzingen/nieuw?dienst={own_service}&noden=housing", COACHES),
        Probe("POST", "/verwijzingen/nieuw", "/verwijzingen/nieuw", COACHES, csrf="form",
              body=lambda world, role: {"dienst": world["own_service"], "noden": ["housing"], "contactwijze": "zelf",
                                        "voornaam": "J.", "toestemming": "ja"}),
        Probe("GET", "/verwijzingen/{referral_id}", "/verwijzingen/{referral}", REFERRAL_PARTIES),
        Probe("GET", "/verwijzingen/{referral_id}", "/verwijzingen/" + UNKNOWN_ID, REFERRAL_UNKNOWN, label="unknown"),
        Probe("POST", "/verwijzingen/{referral_id}/status", "/verwijzingen/{referral}/status", REFERRAL_PARTNER,
              csrf="form", body=lambda world, role: {"status": "contacted"}),
        Probe("POST", "/verwijzingen/{referral_id}/doorsturen", "/verwijzingen/{referral}/doorsturen", REFERRAL_PARTNER,
              csrf="form", body=lambda world, role: {"dienst": world["other_own_service"]()}),
        Probe("POST", "/verwijzingen/{referral_id}/bericht", "/verwijzingen/{referral}/bericht", REFERRAL_PARTIES,
              csrf="form", body=lambda world, role: {"bericht": f"Bericht van {role}"}),
        Probe("POST", "/verwijzingen/{referral_id}/intrekken", "/verwijzingen/{referral_to_withdraw_page}/intrekken",
              REFERRAL_COACH, csrf="form", body=lambda world, role: {}),
        Probe("GET", "/coordinator/verwijzingen", "/coordinator/verwijzingen", REFERRAL_COUNTS),
    ]


def referral_body(world: dict) -> dict:
    return {"service_id": world["own_service"], "consent": True, "contact": {"self": True}, "first_name": "J.",
            "needs": ["housing"]}


def app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for route in iter_route_contexts(app.routes):
        methods = sorted((route.methods or {"GET"}) - {"HEAD"})  # a mount (static files) answers GET
        routes |= {(method, route.path) for method in methods}
    return routes


def place_in(regions, nis: str) -> tuple[float, float]:
    point = regions.by_nis(nis).geometry.representative_point()
    return point.x, point.y


@pytest.fixture(scope="module")
def world(app_state, tmp_path_factory):
    """Organisation A (with a service and a location in partnership P), organisation B (elsewhere), five roles."""
    slug_p, slug_q = list(PARTNERSHIPS)[:2]
    regions = app_state.regions
    nis_p = regions.in_partnership(slug_p)[0].nis
    nis_q = next(m.nis for m in regions.in_partnership(slug_q) if slug_p not in m.partnerships)
    with empty_database(tmp_path_factory.mktemp("roles"), "sk_roles") as url:
        engine = make_engine(url)
        reset_schema(engine)
        with Session(engine) as session:
            sync_reference_data(session, regions)
            ids = {}
            for key, nis in (("own", nis_p), ("other", nis_q)):
                organization = models.Organization(name=f"Organisatie {key}")
                session.add(organization)
                session.flush()
                lon, lat = place_in(regions, nis)
                x, y = to_metric(np.array([lon]), np.array([lat]))
                location = models.Location(organization_id=organization.id, name=f"Locatie {key}", postcode="",
                                           municipality_nis=nis, latitude=lat, longitude=lon, x_metric=float(x[0]),
                                           y_metric=float(y[0]), geocode_precision="coordinates")
                service = models.Service(organization_id=organization.id, name=f"Dienst {key}", languages=["nl"])
                session.add_all([location, service])
                session.flush()
                session.add(models.ServiceAtLocation(service_id=service.id, location_id=location.id))
                session.add(models.ServiceNeed(service_id=service.id, need_code="housing"))
                ids |= {f"{key}_organization": organization.id, f"{key}_service": service.id,
                        f"{key}_location": location.id}
            session.commit()
            emails = {role: f"{role}@example.org" for role in ROLES[1:]}
            create_user(session, email=emails["coach"], password=PASSWORD, role="coach")
            create_user(session, email=emails["partner"], password=PASSWORD, role="partner",
                        organization_ids=[ids["own_organization"]])
            create_user(session, email=emails["coordinator_p"], password=PASSWORD, role="coordinator",
                        partnership_slug=slug_p)
            create_user(session, email=emails["coordinator_all"], password=PASSWORD, role="coordinator")
            ids |= referral_world(session, ids, emails)

        def version_of(model, key):
            def current() -> int:
                with Session(engine) as session:
                    return session.get(model, ids[key]).version
            return current

        roomy = app_state.settings.model_copy(update={"public_rate_limit": "100000/minute",
                                                      "login_rate_limit": "100000/minute",
                                                      "referral_key": SecretStr(REFERRAL_KEY)})
        state = app_state.derive(settings=roomy, engine=engine)
        yield {**ids, "state": state, "emails": emails,
               "pins": {"own_organization": place_in(regions, nis_p), "other_organization": place_in(regions, nis_q)},
               "other_own_service": other_own_service(engine, ids),
               "versions": {"own_service": version_of(models.Service, "own_service"),
                            "other_service": version_of(models.Service, "other_service"),
                            "own_location": version_of(models.Location, "own_location"),
                            "other_location": version_of(models.Location, "other_location")}}
        engine.dispose()


REFERRAL_KEY = Fernet.generate_key().decode()


def referral_world(session, ids: dict, emails: dict) -> dict:
    """The other coach and organisation B's partner; a second service of A; referrals from the coach to A."""
    from app.domain.referrals import ReferralCreate, create_referral

    emails |= {role: f"{role}@example.org" for role in EXTRA_ROLES}
    create_user(session, email=emails["coach_other"], password=PASSWORD, role="coach")
    create_user(session, email=emails["partner_other"], password=PASSWORD, role="partner",
                organization_ids=[ids["other_organization"]])
    second = models.Service(organization_id=ids["own_organization"], name="Dienst own 2", languages=["nl"])
    session.add(second)
    session.commit()
    coach = session.exec(select(models.User).where(models.User.email == emails["coach"])).one()
    cipher = MultiFernet([Fernet(REFERRAL_KEY.encode())])
    made = {"own_service_2": second.id}
    for key in ("referral", "referral_to_withdraw", "referral_to_withdraw_page"):
        data = ReferralCreate.model_validate(referral_body(ids))
        made[key] = create_referral(session, cipher=cipher, user=coach, data=data, base_url="http://x").id
    return made


def other_own_service(engine, ids: dict):
    """Forwarding moves the referral between A's two services: the one it is not at now."""
    def pick() -> str:
        with Session(engine) as session:
            current = session.get(models.Referral, ids["referral"]).service_id
        return ids["own_service_2"] if current == ids["own_service"] else ids["own_service"]
    return pick


def outcome(response, *, html: bool) -> str:
    status = response.status_code
    if status in (302, 303, 307):
        return "login" if response.headers["location"].startswith("/aanmelden") else "ok"
    if status == 401 and not html:
        return "login"
    if 200 <= status < 300 or status == 304:
        return "ok"
    return str(status)


def signed_in_client(world, role: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(state=world["state"]), follow_redirects=False)
    if role == "anonymous":
        return client, ""
    assert login(client, world["emails"][role]).status_code == 303
    token = csrf_of(client.get("/partner/nieuwe-dienst").text) if not role.startswith("coach") else _coach_token(client)
    return client, token


def _coach_token(client: TestClient) -> str:
    # a coach has no editor page; the logout form on the search page carries the session's token
    return csrf_of(client.get("/zoeken").text)


def send(client: TestClient, probe: Probe, world: dict, role: str, token: str | None):
    url = probe.url.format(**{k: v for k, v in world.items() if isinstance(v, str)})
    headers = {"Accept": "text/html"} if probe.html else {}
    body = probe.body(world, role) if probe.body else None
    if probe.csrf == "header" and token is not None:
        headers["X-CSRF-Token"] = token
    if probe.csrf == "form" and token is not None:
        body = {**(body or {}), "csrf": token}
    if probe.csrf in ("login", "invite", "password") and token is not None:
        # the double-submit token: read from the form, echoed with its cookie
        form_url = {"login": "/aanmelden", "password": "/wachtwoord/vergeten"}.get(probe.csrf, url)
        body = {**(body or {}), "csrf": csrf_of(client.get(form_url).text)}
    if probe.json:
        return client.request(probe.method, url, json=body, headers=headers)
    return client.request(probe.method, url, data=body, headers=headers)


def test_every_route_has_an_entry_in_the_role_table(world):
    app = create_app(state=world["state"])
    covered = {(probe.method, probe.route) for probe in probes()}
    assert app_routes(app) - covered == set(), "new route(s): add them to PROBES with each role's outcome"
    assert covered - app_routes(app) == set(), "PROBES names routes the app no longer has"


@pytest.mark.parametrize("role", ROLES + EXTRA_ROLES)
def test_each_role_gets_the_expected_outcome_on_every_route(world, role):
    mismatches = []
    client, token = signed_in_client(world, role)
    with client:
        for probe in probes():
            if probe.route == "/afmelden":
                continue  # signing out ends the session the other probes use: its own test below
            if role not in probe.expect:
                continue  # the extra roles are probed on the routes that name them
            name = f"{probe.method} {probe.url} {probe.label}".strip()
            if probe.csrf in ("form", "header"):
                refused = outcome(send(client, probe, world, role, None), html=probe.html)
                if refused not in ("login", "403"):
                    mismatches.append(f"{name} without CSRF token: {refused}")
            if probe.csrf in ("login", "invite", "password"):
                response = send(client, probe, world, role, None)
                # no double-submit token: back to the form, nothing signed in or accepted
                if response.status_code != 303 or "sk_session" in response.cookies:
                    mismatches.append(f"{name} without CSRF token: {response.status_code}")
            got = outcome(send(client, probe, world, role, token), html=probe.html)
            if got != probe.expect[role]:
                mismatches.append(f"{name}: expected {probe.expect[role]}, got {got}")
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("role", ROLES)
def test_signing_out_needs_the_token_and_then_ends_the_session(world, role):
    probe = next(p for p in probes() if p.route == "/afmelden")
    client, token = signed_in_client(world, role)
    with client:
        assert outcome(send(client, probe, world, role, None), html=True) == "403"
        response = send(client, probe, world, role, token)
        if probe.expect[role] != "ok":
            assert outcome(response, html=True) == probe.expect[role]
            return
        # signed out: back to the login page, and the session is gone
        assert response.status_code == 303 and response.headers["location"] == "/aanmelden"
        assert outcome(client.get("/partner", headers={"Accept": "text/html"}), html=True) == "login"
