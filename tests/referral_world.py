"""A small world for the referral tests: two organisations, their services, five accounts, the app's state.

Organisation A has two services (a referral can be forwarded between them), organisations B
and C one each (C without any partner account); a coach and another coach, a partner of A and
a partner of B, a coordinator of all.
The state uses its own database and a Fernet key, so the referral tests write freely.
"""

from __future__ import annotations


from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session

from app.core import models
from app.core.auth import create_user
from app.server.main import create_app
from tests.web.test_partner_pages import PASSWORD, csrf_of, login

KEY = Fernet.generate_key().decode()
#: what a coach types about a participant: none of it may leak (mail, logs, exports, raw columns)
SECRETS = {"first_name": "Zoë-Testpersoon", "phone": "+32 470 12 34 56", "note": "Komt liefst met de fiets-XYZ"}


def build_world(engine, app_state, nis: str) -> dict:
    with Session(engine) as session:
        ids: dict[str, str] = {}
        for key in ("a", "b", "c"):  # organisation C has no partner account
            organization = models.Organization(name=f"Organisatie {key.upper()}")
            session.add(organization)
            session.flush()
            ids[f"org_{key}"] = organization.id
            for number in ((1, 2) if key == "a" else (1,)):
                service = models.Service(organization_id=organization.id, name=f"Dienst {key.upper()}{number}",
                                         languages=["nl"])
                session.add(service)
                session.flush()
                session.add(models.ServiceNeed(service_id=service.id, need_code="income-debt/debt-mediation"))
                ids[f"service_{key}{number}"] = service.id
        session.commit()
        accounts = {
            "coach": dict(role="coach"), "coach_other": dict(role="coach"),
            "partner": dict(role="partner", organization_ids=[ids["org_a"]]),
            "partner_other": dict(role="partner", organization_ids=[ids["org_b"]]),
            "coordinator": dict(role="coordinator"),
        }
        emails = {}
        for name, options in accounts.items():
            user = create_user(session, email=f"{name}-ref@example.org", password=PASSWORD, **options)
            emails[name] = user.email
            ids[f"user_{name}"] = user.id
    settings = app_state.settings.model_copy(update={"referral_key": SecretStr(KEY), "login_rate_limit": "100000/minute",
                                                     "public_base_url": "https://kaart.example"})
    state = app_state.derive(settings=settings, engine=engine)
    return {**ids, "emails": emails, "state": state, "engine": engine, "nis": nis}


def client_for(world: dict, role: str | None) -> tuple[TestClient, str]:
    """A signed-in client (follow_redirects off) and its session's CSRF token."""
    client = TestClient(create_app(state=world["state"]), follow_redirects=False)
    if role is None:
        return client, ""
    assert login(client, world["emails"][role]).status_code == 303
    page = "/zoeken" if role.startswith("coach") else "/partner"
    return client, csrf_of(client.get(page).text)


def referral_body(world: dict, **overrides) -> dict:
    body = {"service_id": world["service_a1"], "consent": True, "contact": {"phone": SECRETS["phone"]},
            "first_name": SECRETS["first_name"], "needs": ["income-debt/debt-mediation"], "languages": ["nl", "ar"],
            "availability": [{"weekday": 2, "part_of_day": "morning"}], "note": SECRETS["note"],
            "municipality_nis": world["nis"]}
    return {**body, **overrides}
