"""The warm referral's API (#13): the flow, consent, minimisation, encryption, mail, logs, access, conflicts, counts."""

from __future__ import annotations

import json
import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import Session, select

from app.core import models
from app.domain.taxonomy import needs_by_code
from geo.regions import PARTNERSHIPS
from tests.conftest import separate_database
from tests.referral_world import KEY, SECRETS, build_world, client_for, referral_body


@pytest.fixture(scope="module")
def world(app_state, regions, tmp_path_factory):
    with separate_database(tmp_path_factory, regions, "referrals_api") as engine:
        yield build_world(engine, app_state, regions.in_partnership("westhoek")[0].nis)


@pytest.fixture(scope="module")
def clients(world):
    made = {role: client_for(world, role) for role in
            ("coach", "coach_other", "partner", "partner_other", "coordinator")}
    yield made
    for client, _token in made.values():
        client.close()


def send(clients, world, role="coach", **overrides):
    client, token = clients[role]
    return client.post("/api/v1/referrals", json=referral_body(world, **overrides), headers={"X-CSRF-Token": token})


def post(clients, role, url, body=None):
    client, token = clients[role]
    return client.post(url, json=body, headers={"X-CSRF-Token": token})


def count_referrals(world) -> int:
    with Session(world["engine"]) as session:
        return len(session.exec(select(models.Referral)).all())


def test_coach_sends_partner_answers_and_coach_sees_the_status(clients, world):
    response = send(clients, world)
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["status"] == "sent" and sent["personal"]["first_name"] == SECRETS["first_name"]
    assert sent["personal"]["contact"] == {"phone": SECRETS["phone"]}
    referral_id = sent["id"]

    inbox = clients["partner"][0].get("/api/v1/referrals").json()
    assert referral_id in [row["id"] for row in inbox["data"]]
    assert "personal" not in inbox["data"][0], "lists never carry personal fields"
    opened = clients["partner"][0].get(f"/api/v1/referrals/{referral_id}").json()
    assert opened["personal"]["note"] == SECRETS["note"]
    for status in ("received", "contacted", "appointment"):
        answer = post(clients, "partner", f"/api/v1/referrals/{referral_id}/status", {"status": status})
        assert answer.status_code == 200 and answer.json()["status"] == status
    mine = clients["coach"][0].get(f"/api/v1/referrals/{referral_id}").json()
    assert (mine["status"], mine["status_nl"]) == ("appointment", "afspraak gepland")
    assert [e["status"] for e in mine["events"]] == ["sent", "received", "contacted", "appointment"]


def test_without_consent_nothing_is_stored(clients, world):
    before = count_referrals(world)
    refused = send(clients, world, consent=False)
    assert refused.status_code == 422 and refused.json()["code"] == "consent_required"
    body = referral_body(world)
    del body["consent"]
    client, token = clients["coach"]
    missing = client.post("/api/v1/referrals", json=body, headers={"X-CSRF-Token": token})
    assert missing.status_code == 422 and missing.json()["code"] == "validation_error"
    for loose in ("true", 1, "ja"):
        assert send(clients, world, consent=loose).status_code == 422, "consent is the JSON value true, nothing else"
    assert count_referrals(world) == before


@pytest.mark.parametrize("extra", [{"national_register_number": "85.07.30-033.61"}, {"address": "Kerkstraat 1"},
                                   {"date_of_birth": "1985-07-30"}, {"contact": {"phone": "0470123456", "address": "x"}}])
def test_data_minimisation_refuses_any_other_field(clients, world, extra):
    before = count_referrals(world)
    response = send(clients, world, **extra)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert count_referrals(world) == before
    columns = set(models.Referral.model_fields) | set(models.ReferralEvent.model_fields)
    assert not columns & {"national_register_number", "address", "date_of_birth", "birth_date", "rrn"}


def test_contact_is_exactly_one_way(clients, world):
    both = send(clients, world, contact={"phone": "0470123456", "email": "a@example.org"})
    none = send(clients, world, contact={})
    assert both.status_code == 422 and none.status_code == 422
    assert send(clients, world, contact={"self": True}).json()["personal"]["contact"] == {"self": True}


def test_personal_fields_and_messages_are_ciphertext_in_the_database(clients, world):
    referral_id = send(clients, world).json()["id"]
    assert post(clients, "coach", f"/api/v1/referrals/{referral_id}/messages",
                {"text": "Bericht-" + SECRETS["note"]}).status_code == 201
    with world["engine"].connect() as connection:
        stored = connection.execute(text("SELECT personal_encrypted FROM referral WHERE id = :id"),
                                    {"id": referral_id}).scalar_one()
        rows = connection.execute(text("SELECT * FROM referral")).all() + \
            connection.execute(text("SELECT * FROM referral_event")).all()
    raw = json.dumps([list(map(str, row)) for row in rows])
    for secret in SECRETS.values():
        assert secret not in raw
    assert stored.startswith("gAAAAA"), "a Fernet token"
    assert json.loads(Fernet(KEY.encode()).decrypt(stored.encode()))["first_name"] == SECRETS["first_name"]
    with pytest.raises(Exception):  # noqa: B017 - another key reads nothing
        Fernet(Fernet.generate_key()).decrypt(stored.encode())


def test_the_notification_mail_holds_no_personal_data(clients, world):
    referral_id = send(clients, world).json()["id"]
    with Session(world["engine"]) as session:
        mails = session.exec(select(models.OutboxMessage).where(models.OutboxMessage.dedupe_key.contains(referral_id))).all()
    assert [mail.recipient for mail in mails] == [world["emails"]["partner"]], "only the receiving organisation's partners"
    mail = mails[0]
    assert "nieuwe verwijzing" in mail.body and "/verwijzingen" in mail.body
    need_label = needs_by_code()["income-debt/debt-mediation"].label_nl
    for secret in [*SECRETS.values(), "debt-mediation", need_label, "Arabisch", "Nederlands", world["nis"]]:
        assert secret.lower() not in (mail.subject + " " + mail.body).lower()


def test_the_coach_is_told_of_an_answer_by_a_mail_without_anything_about_the_person_or_the_service(clients, world):
    referral_id = send(clients, world).json()["id"]
    post(clients, "partner", f"/api/v1/referrals/{referral_id}/status", {"status": "not_started", "reason": "declined"})
    with Session(world["engine"]) as session:
        mails = session.exec(select(models.OutboxMessage).where(models.OutboxMessage.kind == "referral-status",
                                                                models.OutboxMessage.dedupe_key.contains(referral_id))).all()
    assert [mail.recipient for mail in mails] == [world["emails"]["coach"]]
    text_of_mail = (mails[0].subject + " " + mails[0].body).lower()
    assert "nieuws over een verwijzing" in text_of_mail
    for secret in [*SECRETS.values(), "dienst a1", "niet gestart", "weigert", "declined", "schuldbemiddeling"]:
        assert secret.lower() not in text_of_mail


def test_the_coach_learns_when_nobody_at_the_organisation_can_be_told(clients, world):
    told = send(clients, world).json()
    untold = send(clients, world, service_id=world["service_c1"]).json()
    assert told["receiving_accounts"] == 1 and untold["receiving_accounts"] == 0
    with Session(world["engine"]) as session:
        assert not session.exec(select(models.OutboxMessage)
                                .where(models.OutboxMessage.dedupe_key.contains(untold["id"]))).all()


def test_logs_hold_no_personal_data(clients, world, caplog):
    with caplog.at_level(logging.DEBUG):
        referral_id = send(clients, world).json()["id"]
        post(clients, "partner", f"/api/v1/referrals/{referral_id}/status", {"status": "started", "reason": "declined"})
        post(clients, "coach", f"/api/v1/referrals/{referral_id}/messages", {"text": SECRETS["note"]})
        send(clients, world, consent=False, first_name=SECRETS["first_name"])
        send(clients, world, first_name=SECRETS["first_name"] * 5)  # too long: a validation error
        clients["partner"][0].get(f"/api/v1/referrals/{referral_id}")
    assert caplog.records, "the flow was logged at all"
    for secret in SECRETS.values():
        assert secret not in caplog.text


def test_only_the_coach_and_the_receiving_partners_see_a_referral(clients, world):
    referral_id = send(clients, world).json()["id"]
    for role in ("coach", "partner"):
        assert clients[role][0].get(f"/api/v1/referrals/{referral_id}").status_code == 200
    for role in ("coach_other", "partner_other", "coordinator"):
        response = clients[role][0].get(f"/api/v1/referrals/{referral_id}")
        assert response.status_code == 404 and response.json()["code"] == "referral_not_found", role
        if role != "coordinator":
            assert referral_id not in [r["id"] for r in clients[role][0].get("/api/v1/referrals").json()["data"]]
    for role in ("coach_other", "partner_other", "coordinator"):
        assert post(clients, role, f"/api/v1/referrals/{referral_id}/status", {"status": "received"}).status_code == 404
        assert post(clients, role, f"/api/v1/referrals/{referral_id}/messages", {"text": "hallo"}).status_code == 404
    # the coach does not answer for the partner, the partner does not withdraw for the coach
    assert post(clients, "coach", f"/api/v1/referrals/{referral_id}/status", {"status": "received"}).status_code == 404
    assert post(clients, "partner", f"/api/v1/referrals/{referral_id}/withdraw").status_code == 404
    assert clients["coordinator"][0].get("/api/v1/referrals").status_code == 403
    assert clients["partner"][0].post("/api/v1/referrals", json=referral_body(world),
                                      headers={"X-CSRF-Token": clients["partner"][1]}).status_code == 403


def test_every_opening_is_in_the_audit_trail(clients, world):
    referral_id = send(clients, world).json()["id"]
    clients["partner"][0].get(f"/api/v1/referrals/{referral_id}")
    clients["coach_other"][0].get(f"/api/v1/referrals/{referral_id}")  # refused: not an opening
    with Session(world["engine"]) as session:
        trail = session.exec(select(models.ReferralAccess).where(models.ReferralAccess.referral_id == referral_id)
                             .order_by(models.ReferralAccess.at, models.ReferralAccess.action)).all()
    assert [(a.actor, a.action) for a in trail] == [(world["emails"]["coach"], "create"),
                                                    (world["emails"]["partner"], "view")]


def test_two_answers_to_the_same_version_conflict_instead_of_overwriting(clients, world):
    referral = send(clients, world).json()
    url = f"/api/v1/referrals/{referral['id']}/status"
    first = post(clients, "partner", url, {"status": "contacted", "version": referral["version"]})
    second = post(clients, "partner", url, {"status": "not_started", "reason": "unreachable",
                                            "version": referral["version"]})
    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["code"] == "version_conflict" and second.json()["detail"]["current_version"] == 2
    assert clients["coach"][0].get(f"/api/v1/referrals/{referral['id']}").json()["status"] == "contacted"


def test_two_simultaneous_answers_one_wins_the_other_is_a_conflict(world):
    """The conditional update itself: two partners answer version 1 at the same moment, in two sessions."""
    import threading

    from app.domain.referrals import ReferralConflict, set_status

    client, token = client_for(world, "coach")
    referral_id = client.post("/api/v1/referrals", json=referral_body(world), headers={"X-CSRF-Token": token}).json()["id"]
    client.close()
    barrier, outcomes = threading.Barrier(2), {}

    def answer(status: str) -> None:
        with Session(world["engine"]) as session:
            partner = session.get(models.User, world["user_partner"])
            barrier.wait()
            try:
                set_status(session, user=partner, referral_id=referral_id, status=status, expected_version=1)
                outcomes[status] = "saved"
            except ReferralConflict:
                outcomes[status] = "conflict"

    threads = [threading.Thread(target=answer, args=(status,)) for status in ("contacted", "appointment")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(status for status, outcome in outcomes.items() if outcome == "saved")
    with Session(world["engine"]) as session:
        stored = session.get(models.Referral, referral_id)
        assert (stored.status, stored.version) == (winner, 2)
        events = session.exec(select(models.ReferralEvent).where(models.ReferralEvent.referral_id == referral_id,
                                                                 models.ReferralEvent.kind == "status")).all()
        assert [event.status for event in events] == [winner], "the refused answer left no trace"


def test_answers_need_a_reason_only_for_not_started_and_closed_is_final(clients, world):
    referral_id = send(clients, world).json()["id"]
    url = f"/api/v1/referrals/{referral_id}/status"
    assert post(clients, "partner", url, {"status": "not_started"}).json()["code"] == "invalid_answer"
    assert post(clients, "partner", url, {"status": "received", "reason": "waiting_list"}).status_code == 422
    assert post(clients, "partner", url, {"status": "sent"}).status_code == 422
    assert post(clients, "partner", url, {"status": "not_started", "reason": "waiting_list"}).status_code == 200
    again = post(clients, "partner", url, {"status": "started"})
    assert again.status_code == 409 and again.json()["code"] == "referral_closed"
    assert post(clients, "coach", f"/api/v1/referrals/{referral_id}/withdraw").status_code == 409


def test_the_coach_withdraws_and_the_partner_forwards_inside_the_organisation(clients, world):
    referral_id = send(clients, world).json()["id"]
    forwarded = post(clients, "partner", f"/api/v1/referrals/{referral_id}/forward", {"service_id": world["service_a2"]})
    assert forwarded.status_code == 200 and forwarded.json()["service"]["id"] == world["service_a2"]
    outside = post(clients, "partner", f"/api/v1/referrals/{referral_id}/forward", {"service_id": world["service_b1"]})
    assert outside.status_code == 422 and outside.json()["code"] == "forward_not_allowed"
    withdrawn = post(clients, "coach", f"/api/v1/referrals/{referral_id}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert post(clients, "partner", f"/api/v1/referrals/{referral_id}/status", {"status": "received"}).status_code == 409


def test_writes_need_the_csrf_token(clients, world):
    client, _token = clients["coach"]
    assert client.post("/api/v1/referrals", json=referral_body(world)).status_code == 403


def test_coordinators_get_counts_and_never_persons(clients, world):
    referral_id = send(clients, world).json()["id"]
    post(clients, "partner", f"/api/v1/referrals/{referral_id}/status", {"status": "not_started", "reason": "waiting_list"})
    client = clients["coordinator"][0]
    counts = client.get("/api/v1/referrals/stats").json()
    assert counts["total"] == count_referrals(world)
    assert counts["by_reason"]["waiting_list"] >= 1 and counts["by_need"]["income-debt/debt-mediation"] == counts["total"]
    assert [row["nis"] for row in counts["by_municipality"]] == [world["nis"]]
    narrowed = client.get("/api/v1/referrals/stats?need=income-debt&partnership=westhoek&reason=waiting_list").json()
    with Session(world["engine"]) as session:
        expected = len(session.exec(select(models.Referral).where(models.Referral.reason == "waiting_list")).all())
    assert narrowed["total"] == expected >= 1
    other = next(slug for slug in PARTNERSHIPS if slug != "westhoek")
    assert client.get(f"/api/v1/referrals/stats?partnership={other}").json()["total"] == 0
    text_of_counts = json.dumps(counts)
    for secret in [*SECRETS.values(), world["emails"]["coach"], referral_id]:
        assert secret not in text_of_counts
    assert client.get("/api/v1/referrals/stats?need=onbekend").status_code == 422
    for role in ("coach", "partner"):
        assert clients[role][0].get("/api/v1/referrals/stats").status_code == 403


def test_without_a_key_referrals_are_refused_not_stored_in_the_clear(world, tmp_path):
    import dataclasses

    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from app.server.main import create_app
    from tests.web.test_partner_pages import csrf_of, login

    keyless = world["state"].settings.model_copy(update={"referral_key": SecretStr(""), "data_dir": tmp_path})
    state = dataclasses.replace(world["state"], settings=keyless)
    before = count_referrals(world)
    with TestClient(create_app(state=state), follow_redirects=False) as client:
        login(client, world["emails"]["coach"])
        token = csrf_of(client.get("/zoeken").text)
        response = client.post("/api/v1/referrals", json=referral_body(world), headers={"X-CSRF-Token": token})
    assert response.status_code == 503 and response.json()["code"] == "referral_key_missing"
    assert count_referrals(world) == before


@pytest.mark.parametrize("field, value", [("service_id", "ab\u0000cd"), ("first_name", "A\u0000B"),
                                          ("note", "lone \ud800 surrogate"), ("contact", {"email": "a\ud800@x.be"}),
                                          ("municipality_nis", "1234\u0000")])
def test_nul_and_lone_surrogates_are_a_422_never_a_500(clients, world, field, value):
    before = count_referrals(world)
    client, token = clients["coach"]
    # sent as ASCII JSON with \\u escapes: the way a client gets a lone surrogate to the server
    response = client.post("/api/v1/referrals", content=json.dumps(referral_body(world, **{field: value})),
                           headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert count_referrals(world) == before
    message = post(clients, "coach", f"/api/v1/referrals/{send(clients, world).json()['id']}/messages",
                   {"text": "hallo \u0000"})
    assert message.status_code == 422
    # a NUL in the path is refused at the edge (app.web.input_guard) before any route runs
    refused = clients["coach"][0].get("/api/v1/referrals/ab%00cd")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_characters"


def test_referrals_are_in_the_openapi_document(clients):
    paths = clients["coach"][0].get("/openapi.json").json()["paths"]
    for path in ("/api/v1/referrals", "/api/v1/referrals/{referral_id}", "/api/v1/referrals/{referral_id}/status",
                 "/api/v1/referrals/{referral_id}/withdraw", "/api/v1/referrals/stats",
                 "/api/v1/referrals/{referral_id}/messages", "/api/v1/referrals/{referral_id}/forward"):
        assert path in paths
