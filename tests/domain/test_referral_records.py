"""Retention and a participant's requests (#13): purge after N days, export, erase; never in HSDS or exports."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import text, update
from sqlmodel import Session, select

from app.core import models
from app.core.auth import now_utc
from app.domain.referral_records import erase_referral, export_referral, purge_closed, referral_counts
from app.domain.referrals import ReferralCreate, add_message, create_referral, set_status, withdraw_referral
from tests.conftest import separate_database
from tests.referral_world import KEY, SECRETS, build_world, referral_body

CIPHER = MultiFernet([Fernet(KEY.encode())])


@pytest.fixture(scope="module")
def world(app_state, regions, tmp_path_factory):
    with separate_database(tmp_path_factory, regions, "referral_records") as engine:
        yield build_world(engine, app_state, regions.in_partnership("westhoek")[0].nis)


def new_referral(world, **overrides) -> str:
    with Session(world["engine"]) as session:
        coach = session.get(models.User, world["user_coach"])
        referral = create_referral(session, cipher=CIPHER, user=coach, base_url="https://kaart.example",
                                   data=ReferralCreate.model_validate(referral_body(world, **overrides)))
        add_message(session, cipher=CIPHER, user=coach, referral_id=referral.id, text="Bericht " + SECRETS["note"])
        return referral.id


def close(world, referral_id: str, *, days_ago: int, status: str = "started") -> None:
    with Session(world["engine"]) as session:
        partner = session.get(models.User, world["user_partner"])
        set_status(session, user=partner, referral_id=referral_id, status=status,
                   reason="waiting_list" if status == "not_started" else None)
        session.exec(update(models.Referral).where(models.Referral.id == referral_id)
                     .values(closed_at=now_utc() - timedelta(days=days_ago)))
        session.commit()


def raw_personal(world, referral_id: str) -> tuple[str | None, list[str | None]]:
    with world["engine"].connect() as connection:
        personal = connection.execute(text("SELECT personal_encrypted FROM referral WHERE id = :id"),
                                      {"id": referral_id}).scalar_one()
        messages = connection.execute(text("SELECT text_encrypted FROM referral_event WHERE referral_id = :id "
                                           "AND kind = 'message'"), {"id": referral_id}).scalars().all()
    return personal, list(messages)


def test_purge_erases_personal_fields_after_the_retention_period_and_keeps_the_counts(world):
    old = new_referral(world)
    close(world, old, days_ago=91, status="not_started")
    recent = new_referral(world)
    close(world, recent, days_ago=89)
    still_open = new_referral(world)
    with Session(world["engine"]) as session:
        counts_before = referral_counts(session)
        run = purge_closed(session, retention_days=90)
    assert old in run.erased and recent not in run.erased and still_open not in run.erased
    personal, messages = raw_personal(world, old)
    assert personal is None and messages == [None]
    for kept in (recent, still_open):
        personal, messages = raw_personal(world, kept)
        assert personal is not None and messages[0] is not None
    with Session(world["engine"]) as session:
        referral = session.get(models.Referral, old)
        assert (referral.status, referral.reason, referral.need_codes) == ("not_started", "waiting_list",
                                                                           ["income-debt/debt-mediation"])
        assert referral.erased_at is not None
        history = [e.kind for e in session.exec(select(models.ReferralEvent)
                                                .where(models.ReferralEvent.referral_id == old)
                                                .order_by(models.ReferralEvent.at)).all()]
        assert history == ["created", "message", "status", "erased"]
        counts_after = referral_counts(session)
        assert counts_after == counts_before, "the anonymous record keeps the counts"
        assert purge_closed(session, retention_days=90).erased == [], "idempotent"
        audit = session.exec(select(models.ReferralAccess).where(models.ReferralAccess.referral_id == old,
                                                                 models.ReferralAccess.action == "erase")).all()
        assert [a.actor for a in audit] == ["sk purge"]


def test_a_participant_gets_their_data_and_then_its_erasure(world):
    referral_id = new_referral(world)
    with Session(world["engine"]) as session:
        record = export_referral(session, cipher=CIPHER, referral_id=referral_id)
    assert record["personal"]["first_name"] == SECRETS["first_name"]
    assert record["personal"]["contact"] == {"phone": SECRETS["phone"]}
    assert [e["text"] for e in record["events"] if e["kind"] == "message"] == ["Bericht " + SECRETS["note"]]
    assert ("create", world["emails"]["coach"]) in [(a["action"], a["actor"]) for a in record["opened_by"]]
    with Session(world["engine"]) as session:
        erased = erase_referral(session, referral_id=referral_id)
        assert erased.status == "withdrawn", "an open referral cannot go on without contact details"
        again = export_referral(session, cipher=CIPHER, referral_id=referral_id)
    assert again["personal"] is None and [e["text"] for e in again["events"] if e["kind"] == "message"] == [None]
    assert raw_personal(world, referral_id) == (None, [None])
    assert [a["action"] for a in again["opened_by"]][-2:] == ["export", "erase"]


def test_the_commands_export_and_erase_and_purge(world, capsys, monkeypatch):
    from app.server.cli import main
    from app.core.config import get_settings

    referral_id = new_referral(world)
    monkeypatch.setenv("SK_DATABASE_URL", world["engine"].url.render_as_string(hide_password=False))
    monkeypatch.setenv("SK_REFERRAL_KEY", KEY)
    get_settings.cache_clear()
    try:
        assert main(["referral", "export", referral_id]) == 0
        exported = json.loads(capsys.readouterr().out)
        assert exported["id"] == referral_id and exported["personal"]["first_name"] == SECRETS["first_name"]
        assert main(["referral", "erase", referral_id]) == 0
        assert "erased" in capsys.readouterr().out
        assert raw_personal(world, referral_id)[0] is None
        assert main(["referral", "export", "00000000-0000-4000-8000-000000000000"]) == 2
        assert "no referral" in capsys.readouterr().err
        assert main(["purge", "--days", "30"]) == 0
        assert "erased the personal fields of" in capsys.readouterr().out
        assert main(["purge", "--days", "0"]) == 2
    finally:
        get_settings.cache_clear()


def test_referrals_are_never_in_the_hsds_export(world, tmp_path):
    from app.hsds.exchange import export_json, export_tabular

    referral_id = new_referral(world)
    with Session(world["engine"]) as session:
        nested = json.dumps(export_json(session), ensure_ascii=False)
        archive = export_tabular(session, tmp_path / "hsds.zip")
    import zipfile

    with zipfile.ZipFile(archive) as bundle:
        tabular = "".join(bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist())
    for secret in [*SECRETS.values(), referral_id]:
        assert secret not in nested and secret not in tabular


def test_withdrawn_referrals_close_and_are_purged_too(world):
    referral_id = new_referral(world)
    with Session(world["engine"]) as session:
        coach = session.get(models.User, world["user_coach"])
        withdraw_referral(session, user=coach, referral_id=referral_id)
        later = now_utc() + timedelta(days=91)
        assert referral_id in purge_closed(session, retention_days=90, now=later).erased
