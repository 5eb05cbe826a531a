"""Accounts their owners manage: change the password, sign out other devices, reset a forgotten one."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user, now_utc, token_hash
from app.domain.accounts import RESET_KIND
from tests.web.test_partner_pages import PASSWORD, csrf_of, login, new_client

NEW_PASSWORD = "een-ander-lang-wachtwoord"


@pytest.fixture
def coach(loaded_engine) -> str:
    with Session(loaded_engine) as session:
        return create_user(session, email=f"acc-{uuid.uuid4().hex[:8]}@example.org", password=PASSWORD,
                           role="coach").email


def signed_in(app_state, email, password=PASSWORD):
    client = new_client(app_state)
    assert login(client, email, password).status_code == 303
    return client


def is_signed_in(client) -> bool:
    return client.get("/mijn-account", headers={"Accept": "text/html"}).status_code == 200


def reset_mails(engine, email) -> list[models.OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(models.OutboxMessage).where(
            models.OutboxMessage.recipient == email, models.OutboxMessage.kind == RESET_KIND)).all())


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(app_state, coach):
    here, elsewhere = signed_in(app_state, coach), signed_in(app_state, coach)
    csrf = csrf_of(here.get("/mijn-account").text)
    wrong = here.post("/mijn-account/wachtwoord", data={"csrf": csrf, "huidig": "niet-het-wachtwoord",
                                                         "nieuw": NEW_PASSWORD, "herhaal": NEW_PASSWORD})
    assert wrong.status_code == 400 and "huidige wachtwoord klopt niet" in wrong.text
    differ = here.post("/mijn-account/wachtwoord", data={"csrf": csrf, "huidig": PASSWORD, "nieuw": NEW_PASSWORD,
                                                          "herhaal": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "niet gelijk" in differ.text
    short = here.post("/mijn-account/wachtwoord", data={"csrf": csrf, "huidig": PASSWORD, "nieuw": "kort",
                                                         "herhaal": "kort"})
    assert short.status_code == 422 and "minstens 10 tekens" in short.text
    assert is_signed_in(elsewhere)  # nothing changed yet

    changed = here.post("/mijn-account/wachtwoord", data={"csrf": csrf, "huidig": PASSWORD, "nieuw": NEW_PASSWORD,
                                                            "herhaal": NEW_PASSWORD})
    assert changed.status_code == 303 and changed.headers["location"] == "/mijn-account?bewaard=wachtwoord"
    assert "Je wachtwoord is gewijzigd" in here.get(changed.headers["location"]).text
    assert is_signed_in(here) and not is_signed_in(elsewhere)
    assert login(new_client(app_state), coach, PASSWORD).status_code == 400
    assert login(new_client(app_state), coach, NEW_PASSWORD).status_code == 303


def test_signing_out_other_devices_keeps_this_one(app_state, coach):
    here, phone, tablet = (signed_in(app_state, coach) for _ in range(3))
    csrf = csrf_of(here.get("/mijn-account").text)
    assert here.post("/mijn-account/andere-toestellen", data={"csrf": "fout"}).status_code == 403
    assert is_signed_in(phone)
    done = here.post("/mijn-account/andere-toestellen", data={"csrf": csrf})
    assert done.status_code == 303
    assert is_signed_in(here) and not is_signed_in(phone) and not is_signed_in(tablet)


def ask_reset(app_state, email) -> tuple[int, str]:
    client = new_client(app_state)
    csrf = csrf_of(client.get("/wachtwoord/vergeten").text)
    response = client.post("/wachtwoord/vergeten", data={"csrf": csrf, "email": email})
    return response.status_code, response.text


def test_a_reset_link_is_mailed_only_to_accounts_and_the_answer_never_tells(app_state, coach, loaded_engine):
    known = ask_reset(app_state, coach)
    unknown = ask_reset(app_state, f"niemand-{uuid.uuid4().hex[:6]}@example.org")
    assert known == unknown and known[0] == 200  # the same page, word for word
    assert "Als dit e-mailadres bij ons een account heeft" in known[1]
    [mail] = reset_mails(loaded_engine, coach)
    assert re.search(r"/wachtwoord/herstellen/[\w-]{40,}", mail.body)
    # a generic text and the link: no name, no service, nothing about any participant
    assert set(re.findall(r"[\w-]+@[\w.-]+", mail.body)) == set()
    with Session(loaded_engine) as session:
        assert session.exec(select(models.OutboxMessage).where(
            models.OutboxMessage.recipient.like("niemand-%"))).first() is None
    for _ in range(5):  # the form cannot flood a mailbox: at most 3 open links
        ask_reset(app_state, coach)
    assert len(reset_mails(loaded_engine, coach)) == 3


def reset_link(engine, email) -> str:
    mail = reset_mails(engine, email)[-1]
    return re.search(r"(/wachtwoord/herstellen/[\w-]+)", mail.body).group(1)


def test_a_reset_link_works_once_ends_every_session_and_lifts_a_sign_in_block(app_state, coach, loaded_engine):
    old_session = signed_in(app_state, coach)
    attacker = new_client(app_state)
    statuses = [login(attacker, coach, "fout-wachtwoord-123").status_code for _ in range(6)]
    assert statuses[-1] == 429  # an attacker has blocked the owner's e-mail address
    ask_reset(app_state, coach)
    link = reset_link(loaded_engine, coach)

    owner = new_client(app_state)
    page = owner.get(link)
    assert page.status_code == 200 and "Nieuw wachtwoord kiezen" in page.text
    csrf = csrf_of(page.text)
    differ = owner.post(link, data={"csrf": csrf, "nieuw": NEW_PASSWORD, "herhaal": "iets-anders-nog"})
    assert differ.status_code == 422
    done = owner.post(link, data={"csrf": csrf, "nieuw": NEW_PASSWORD, "herhaal": NEW_PASSWORD})
    assert done.status_code == 303 and is_signed_in(owner)
    assert not is_signed_in(old_session)
    assert login(new_client(app_state), coach, NEW_PASSWORD).status_code == 303  # no longer blocked

    again = new_client(app_state)
    used = again.get(link)
    assert used.status_code == 400 and "al gebruikt of verlopen" in used.text
    csrf = csrf_of(again.get("/wachtwoord/vergeten").text)
    reused = again.post(link, data={"csrf": csrf, "nieuw": "nog-een-ander-wachtwoord",
                                    "herhaal": "nog-een-ander-wachtwoord"})
    assert reused.status_code == 400
    assert login(new_client(app_state), coach, NEW_PASSWORD).status_code == 303


def test_an_expired_reset_link_is_refused(app_state, coach, loaded_engine):
    ask_reset(app_state, coach)
    link = reset_link(loaded_engine, coach)
    with Session(loaded_engine) as session:
        row = session.get(models.PasswordReset, token_hash(link.rsplit("/", 1)[1]))
        row.expires_at = now_utc() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    client = new_client(app_state)
    assert client.get(link).status_code == 400
    csrf = csrf_of(client.get("/wachtwoord/vergeten").text)
    assert client.post(link, data={"csrf": csrf, "nieuw": NEW_PASSWORD, "herhaal": NEW_PASSWORD}).status_code == 400
    assert login(new_client(app_state), coach, PASSWORD).status_code == 303
