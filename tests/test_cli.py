"""The ``sk`` command through its entry function: exit codes, output, effects; bad input is exit 2, no traceback."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user, token_hash, verify_password
from app.server.cli import main
from app.core.config import get_settings
from app.hsds.exchange import read_tabular
from tests.conftest import DEMO_TODAY, separate_demo_database
from tests.smtp_sink import SmtpSink, closed_port

PASSWORD = "een-lang-wachtwoord"
BASE_URL = "https://kaart.example"


@pytest.fixture(scope="module")
def cli_engine(regions, places, tmp_path_factory):
    """The demo data in a database of its own, and the CLI's settings pointing at it."""
    with separate_demo_database(tmp_path_factory, regions, places, "cli") as engine, \
            pytest.MonkeyPatch.context() as patch:
        patch.setenv("SK_DATABASE_URL", engine.url.render_as_string(hide_password=False))
        patch.setenv("SK_PUBLIC_BASE_URL", BASE_URL)
        patch.setenv("SK_SMTP_URL", "")
        get_settings.cache_clear()
        yield engine
    get_settings.cache_clear()


@pytest.fixture
def sk(cli_engine, capsys):
    """Run ``sk`` with arguments; returns (exit code, stdout, stderr)."""
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


@pytest.fixture
def organization_id(cli_engine) -> str:
    with Session(cli_engine) as session:
        return session.exec(select(models.Organization.id).order_by(models.Organization.id)).first()


def user(engine, email) -> models.User | None:
    with Session(engine) as session:
        return session.exec(select(models.User).where(models.User.email == email)).first()


def test_create_the_first_coordinator(sk, cli_engine):
    code, out, _err = sk("create-user", "Coordinator@Example.org", "--role", "coordinator", "--partnership", "westhoek",
                         "--name", "Coördinator", "--password", PASSWORD)
    assert code == 0 and out.strip() == "created coordinator coordinator@example.org"
    created = user(cli_engine, "coordinator@example.org")
    assert created.partnership_slug == "westhoek" and created.name == "Coördinator"
    assert verify_password(created.password_hash, PASSWORD) and PASSWORD not in created.password_hash
    code, _out, err = sk("create-user", "coordinator@example.org", "--password", PASSWORD)
    assert code == 2 and "exists" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--role", "coordinator", "--password", "kort"], "shorter than 10 characters"),
    (["--role", "partner", "--password", PASSWORD], "a partner needs at least one organisation"),
    (["--role", "partner", "--organization", "no-such-organisation", "--password", PASSWORD],
     "unknown organisation id(s): no-such-organisation"),
    (["--role", "coordinator", "--partnership", "atlantis", "--password", PASSWORD], "unknown partnership 'atlantis'"),
    (["--role", "admin", "--password", PASSWORD], "invalid choice: 'admin'"),
])
def test_create_user_with_bad_input_is_exit_2_and_writes_nothing(sk, cli_engine, argv, message):
    code, out, err = sk("create-user", "wrong@example.org", *argv)
    assert code == 2 and message in err and out == ""
    assert user(cli_engine, "wrong@example.org") is None


def test_invite_prints_a_one_time_link(sk, cli_engine, organization_id):
    code, out, _err = sk("invite", "nieuw@example.org", "--organization", organization_id, "--days", "3")
    assert code == 0
    link, note = out.strip().splitlines()
    assert link.startswith(f"{BASE_URL}/uitnodiging/") and note == "(one-time link, valid 3 days)"
    with Session(cli_engine) as session:
        invite = session.get(models.Invite, token_hash(link.rsplit("/", 1)[1]))
        assert invite.email == "nieuw@example.org" and invite.organization_ids == [organization_id]
        assert invite.role == "partner" and invite.used_at is None
        assert timedelta(days=2, hours=23) < invite.expires_at - invite.created_at <= timedelta(days=3, seconds=5)


@pytest.mark.parametrize(("argv", "message"), [
    (["--days", "0"], "must be at least 1"),
    (["--days", "veel"], "not a whole number"),
    (["--organization", "no-such-organisation"], "unknown organisation id(s)"),
    (["--role", "coordinator", "--partnership", "atlantis"], "unknown partnership"),
])
def test_invite_with_bad_input_is_exit_2_and_writes_nothing(sk, cli_engine, argv, message):
    with Session(cli_engine) as session:
        before = len(session.exec(select(models.Invite)).all())
    code, out, err = sk("invite", "fout@example.org", *argv)
    assert code == 2 and message in err and out == ""
    with Session(cli_engine) as session:
        assert len(session.exec(select(models.Invite)).all()) == before


@pytest.fixture
def stale_partner(cli_engine, organization_id):
    """A partner with one organisation whose services were last verified two years ago."""
    with Session(cli_engine) as session:
        session.exec(delete(models.OutboxMessage))
        services = session.exec(select(models.Service).where(models.Service.organization_id == organization_id)).all()
        for service in services:
            service.assured_date, service.status = DEMO_TODAY - timedelta(days=730), "active"
        session.add_all(services)
        session.commit()
        names = sorted(service.name for service in services)
        if session.exec(select(models.User).where(models.User.email == "digest@example.org")).first() is None:
            create_user(session, email="digest@example.org", password=PASSWORD, role="partner",
                        organization_ids=[organization_id])
    return names


def outbox(engine) -> list[models.OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(models.OutboxMessage)).all())


def test_digest_queues_once_and_prints_the_outbox(sk, cli_engine, stale_partner):
    code, out, _err = sk("digest")
    assert code == 0
    assert out.startswith("queued 1, refreshed 0, withdrawn 0 digest(s); 0 already sent this month")
    assert "=== To: digest@example.org" in out and "dienst(en) om na te kijken" in out
    assert all(f"- {name} (laatst gecontroleerd: " in out for name in stale_partner)
    assert f"{BASE_URL}/partner/diensten/" in out
    code, out, _err = sk("digest")
    assert code == 0 and out.startswith("queued 0, refreshed 1") and len(outbox(cli_engine)) == 1


def test_digest_send_and_send_report_what_happened(sk, cli_engine, stale_partner, monkeypatch):
    monkeypatch.setenv("SK_SMTP_URL", f"smtp://127.0.0.1:{closed_port()}")
    get_settings.cache_clear()
    code, out, err = sk("digest", "--send")
    assert code == 1 and "sent 0 message(s), 1 failed (still queued)" in out
    assert "mail server: ConnectionRefusedError" in err
    (message,) = outbox(cli_engine)
    assert message.sent_at is None and message.attempts == 1 and "ConnectionRefusedError" in message.last_error
    with SmtpSink() as sink:
        monkeypatch.setenv("SK_SMTP_URL", f"smtp://127.0.0.1:{sink.port}")
        get_settings.cache_clear()
        code, out, err = sk("send")
        assert code == 0 and out.strip() == "sent 1 message(s), 0 failed (still queued)" and err == ""
        assert [mail.recipients for mail in sink.received] == [["digest@example.org"]]
    (message,) = outbox(cli_engine)
    assert message.sent_at is not None and message.attempts == 2 and message.last_error == ""
    code, out, _err = sk("send")
    assert code == 0 and out.strip() == "sent 0 message(s), 0 failed (still queued)"
    get_settings.cache_clear()


def test_send_without_a_configured_server_is_exit_2(sk, cli_engine, stale_partner, monkeypatch):
    assert sk("digest")[0] == 0
    code, _out, err = sk("send")  # SK_SMTP_URL is empty in these tests
    assert code == 2 and "no SMTP server configured (SK_SMTP_URL)" in err
    monkeypatch.setenv("SK_SMTP_URL", "mailto:iemand@example.org")
    get_settings.cache_clear()
    code, _out, err = sk("send")
    assert code == 2 and "SMTP URL must look like smtp://host:port" in err
    get_settings.cache_clear()
    assert all(m.sent_at is None and m.attempts == 0 for m in outbox(cli_engine))


def test_hsds_export_then_dry_run_import(sk, cli_engine, tmp_path):
    target = tmp_path / "hsds.zip"
    code, out, _err = sk("hsds-export", str(target))
    assert code == 0 and out.strip() == str(target)
    assert "service_at_location.csv" in zipfile.ZipFile(target).namelist()
    # a few services of the export, one renamed (the whole dataset is imported in tests/hsds)
    dataset = read_tabular(target)
    services = dataset["services"][:3]
    services[0]["name"] = "Hernoemd via de import"
    owners = {service["organization_id"] for service in services}
    small = {**dataset, "services": services,
             "organizations": [org for org in dataset["organizations"] if org["id"] in owners]}
    source = tmp_path / "small.json"
    source.write_text(json.dumps(small), encoding="utf-8")
    code, out, _err = sk("hsds-import", str(source))
    counts = json.loads(out.splitlines()[0])
    assert code == 0 and counts["updated"] == 1 and counts["rejected"] == 0 and counts["created"] == 0
    assert "dry run: nothing was written (add --commit to import)" in out
    with Session(cli_engine) as session:
        assert session.get(models.Service, services[0]["id"]).name != "Hernoemd via de import"
    code, out, _err = sk("hsds-import", str(source), "--commit")
    assert code == 0 and json.loads(out.splitlines()[0])["updated"] == 1
    with Session(cli_engine) as session:
        assert session.get(models.Service, services[0]["id"]).name == "Hernoemd via de import"


def test_hsds_import_of_unreadable_files_is_exit_2(sk, tmp_path):
    code, _out, err = sk("hsds-import", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in err
    broken = tmp_path / "broken.json"
    broken.write_text('{"services": [', encoding="utf-8")
    code, _out, err = sk("hsds-import", str(broken))
    assert code == 2 and "broken.json is not valid JSON (line 1" in err
    unknown = tmp_path / "andere.zip"
    with zipfile.ZipFile(unknown, "w") as archive:
        archive.writestr("diensten.csv", "id\n1\n")
    code, _out, err = sk("hsds-import", str(unknown))
    assert code == 2 and "holds no HSDS tabular resources" in err
    code, _out, err = sk("hsds-import", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_restore_needs_confirmation_and_an_existing_file(sk, tmp_path):
    code, _out, err = sk("restore", str(tmp_path / "backup.db"))
    assert code == 2 and "--yes" in err
    code, _out, err = sk("restore", str(tmp_path / "backup.db"), "--yes")
    assert code == 2 and "no backup file" in err


def test_unknown_commands_and_help(sk):
    code, _out, err = sk("opruimen")
    assert code == 2 and "invalid choice: 'opruimen'" in err
    code, out, _err = sk("--help")
    assert code == 0 and "digest" in out and "send" in out


def test_gaps_writes_a_geopackage_for_qgis_and_refuses_unknown_needs(sk, cli_engine, tmp_path):
    import pyogrio

    target = tmp_path / "hiaten.gpkg"
    code, out, _ = sk("gaps", "--need", "housing", "--profile", "walk", "--profile", "car", "--gpkg", str(target))
    assert code == 0
    report = json.loads(out.strip().splitlines()[-1])
    assert report["hexagons"] > 2000 and report["needs"] == 1 and report["profiles"] == 2
    layers = dict(pyogrio.list_layers(target))
    assert set(layers) == {"services", "hexagons_housing_walk", "municipalities_housing_walk", "hexagons_housing_car",
                           "municipalities_housing_car"}
    info = pyogrio.read_info(target, layer="hexagons_housing_car")
    assert info["crs"] == "EPSG:4326" and info["features"] == report["hexagons"]
    assert pyogrio.read_info(target, layer="municipalities_housing_walk")["features"] == 44
    code, _, err = sk("gaps", "--need", "flying", "--gpkg", str(tmp_path / "x.gpkg"))
    assert code == 2 and "flying" in err
    assert not (tmp_path / "x.gpkg").exists()


def test_digest_never_prints_a_password_reset_link(sk, cli_engine):
    from app.domain.accounts import RESET_KIND, request_password_reset

    with Session(cli_engine) as session:
        if session.exec(select(models.User).where(models.User.email == "reset@example.org")).first() is None:
            create_user(session, email="reset@example.org", password=PASSWORD, role="coach")
        request_password_reset(session, email="reset@example.org", base_url=BASE_URL)
    try:
        code, out, _err = sk("digest")
        assert code == 0
        assert "=== To: reset@example.org" in out and "(password-reset link, not shown)" in out
        assert "/wachtwoord/herstellen/" not in out
    finally:
        with Session(cli_engine) as session:
            for message in session.exec(select(models.OutboxMessage).where(models.OutboxMessage.kind == RESET_KIND)):
                session.delete(message)
            session.commit()
