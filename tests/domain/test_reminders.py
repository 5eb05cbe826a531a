"""Reminder digests and the outbox: content, idempotence, states, and sending through a real SMTP server."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from app.domain.reminders import SmtpUrlError, pending_messages, queue_stale_digests, send_pending
from tests.conftest import DEMO_TODAY, separate_demo_database
from tests.smtp_sink import SinkOptions, SmtpSink, closed_port

TODAY = DEMO_TODAY
STALE_DAYS = 365
BASE_URL = "https://kaart.example"
PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def mail_engine(regions, places, tmp_path_factory):
    with separate_demo_database(tmp_path_factory, regions, places, "mail") as engine:
        yield engine


@pytest.fixture(scope="module")
def partners(mail_engine):
    """Two partners of two organisations, an inactive partner and a coach (who never get a digest)."""
    with Session(mail_engine) as session:
        counts = session.exec(
            select(models.Service.organization_id, func.count()).group_by(models.Service.organization_id)
            .order_by(func.count().desc(), models.Service.organization_id)
        ).all()
        first, second = counts[0][0], counts[1][0]
        assert counts[0][1] >= 4 and counts[1][1] >= 2
        users = {
            "a": create_user(session, email="partner.a@example.org", password=PASSWORD, role="partner", name="An",
                             organization_ids=[first]),
            "b": create_user(session, email="partner.b@example.org", password=PASSWORD, role="partner",
                             organization_ids=[second]),
            "gone": create_user(session, email="partner.gone@example.org", password=PASSWORD, role="partner",
                                organization_ids=[first]),
            "coach": create_user(session, email="coach@example.org", password=PASSWORD, role="coach"),
        }
        users["gone"].active = False
        session.add(users["gone"])
        session.commit()
        return {"organizations": {"a": first, "b": second}, "emails": {k: u.email for k, u in users.items()}}


@pytest.fixture
def stale(mail_engine, partners):
    """A known set of stale services per organisation; an empty outbox."""
    fresh, old = TODAY - timedelta(days=10), TODAY - timedelta(days=STALE_DAYS + 30)
    expected = {}
    with Session(mail_engine) as session:
        session.exec(delete(models.OutboxMessage))
        for key, organization_id in partners["organizations"].items():
            services = session.exec(select(models.Service).where(models.Service.organization_id == organization_id)
                                    .order_by(models.Service.id)).all()
            for service in services:
                service.status, service.assured_date = models.ServiceStatus.ACTIVE.value, fresh
            services[0].assured_date = old
            if key == "a":
                services[1].assured_date = None  # never verified
                services[2].assured_date, services[2].status = old, models.ServiceStatus.INACTIVE.value  # not listed
                expected[key] = {services[0].id, services[1].id}
            else:
                expected[key] = {services[0].id}
            session.add_all(services)
        session.commit()
    return expected


def queue(engine, today=TODAY):
    with Session(engine) as session:
        return queue_stale_digests(session, older_than_days=STALE_DAYS, base_url=BASE_URL, today=today)


def outbox(engine) -> list[models.OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(models.OutboxMessage).order_by(models.OutboxMessage.recipient)).all())


def listed_ids(body: str) -> set[str]:
    return set(re.findall(rf"^- .+: {re.escape(BASE_URL)}/partner/diensten/(\S+)$", body, flags=re.MULTILINE))


def test_each_partner_gets_exactly_their_stale_entries_in_dutch(mail_engine, partners, stale):
    run = queue(mail_engine)
    emails = partners["emails"]
    assert sorted(run.queued) == [emails["a"], emails["b"]]
    messages = {m.recipient: m for m in outbox(mail_engine)}
    assert set(messages) == {emails["a"], emails["b"]}  # not the deactivated partner, not the coach
    a, b = messages[emails["a"]], messages[emails["b"]]
    assert listed_ids(a.body) == stale["a"] and listed_ids(b.body) == stale["b"]
    assert not listed_ids(a.body) & listed_ids(b.body)
    assert a.subject == "Sociale kaart: 2 dienst(en) om na te kijken"
    assert a.body.startswith("Dag An,") and "Klopt nog" in a.body and "laatst gecontroleerd: nooit" in a.body
    old = (TODAY - timedelta(days=STALE_DAYS + 30)).strftime("%d/%m/%Y")
    assert f"laatst gecontroleerd: {old}" in a.body
    assert b.body.startswith(f"Dag {emails['b']},") and "Bedankt om de kaart juist te houden!" in b.body
    assert all(m.kind == "stale-digest" and m.sent_at is None and m.attempts == 0 for m in messages.values())


def test_queuing_again_is_idempotent_per_partner_per_month(mail_engine, partners, stale):
    emails = partners["emails"]
    queue(mail_engine)
    first = {m.recipient: (m.id, m.body) for m in outbox(mail_engine)}
    again = queue(mail_engine, today=TODAY + timedelta(days=1))
    assert again.queued == [] and sorted(again.refreshed) == [emails["a"], emails["b"]]
    assert {m.recipient: (m.id, m.body) for m in outbox(mail_engine)} == first
    # a service verified meanwhile drops out of the waiting digest; the partner with none left gets none
    with Session(mail_engine) as session:
        for service_id in [*stale["b"], sorted(stale["a"])[0]]:
            service = session.get(models.Service, service_id)
            service.assured_date = TODAY
            session.add(service)
        session.commit()
    refreshed = queue(mail_engine, today=TODAY + timedelta(days=2))
    assert refreshed.withdrawn == [emails["b"]] and refreshed.refreshed == [emails["a"]]
    (message,) = outbox(mail_engine)
    assert message.id == first[emails["a"]][0] and listed_ids(message.body) == stale["a"] - {sorted(stale["a"])[0]}
    # once sent, the month is done; the next month gets a new digest
    with SmtpSink() as sink, Session(mail_engine) as session:
        assert send_pending(session, smtp_url=f"smtp://127.0.0.1:{sink.port}").sent == 1
    assert queue(mail_engine, today=TODAY + timedelta(days=3)).already_sent == [emails["a"]]
    assert len(outbox(mail_engine)) == 1
    next_month = queue(mail_engine, today=TODAY + timedelta(days=31))
    assert next_month.queued == [emails["a"]] and len(outbox(mail_engine)) == 2


def test_sending_through_a_real_smtp_server_marks_messages_sent(mail_engine, partners, stale):
    queue(mail_engine)
    emails = partners["emails"]
    with SmtpSink(credentials=("mailer", "geheim wachtwoord")) as sink, Session(mail_engine) as session:
        result = send_pending(session, smtp_url=f"smtp://mailer:geheim%20wachtwoord@127.0.0.1:{sink.port}",
                              sender="kaart@example.org")
        received = sink.received
    assert (result.sent, result.failed, result.error) == (2, 0, "")
    assert sorted(r for mail in received for r in mail.recipients) == [emails["a"], emails["b"]]
    assert all(mail.login == "mailer" and mail.sender == "kaart@example.org" for mail in received)
    to_a = next(mail.message for mail in received if mail.recipients == [emails["a"]])
    assert to_a["Subject"] == "Sociale kaart: 2 dienst(en) om na te kijken"
    assert listed_ids(to_a.get_content()) == stale["a"]
    messages = outbox(mail_engine)
    assert all(m.sent_at is not None and m.attempts == 1 and m.last_error == "" for m in messages)
    with Session(mail_engine) as session:
        assert pending_messages(session) == []
        assert send_pending(session, smtp_url="smtp://127.0.0.1:1").sent == 0  # nothing left: no connection made


def test_a_refused_recipient_stays_queued_with_the_reply_while_the_others_go(mail_engine, partners, stale):
    queue(mail_engine)
    emails = partners["emails"]
    with SmtpSink(options=SinkOptions(refuse={emails["b"]})) as sink, Session(mail_engine) as session:
        result = send_pending(session, smtp_url=f"smtp://127.0.0.1:{sink.port}")
    assert (result.sent, result.failed) == (1, 1)
    by_recipient = {m.recipient: m for m in outbox(mail_engine)}
    assert by_recipient[emails["a"]].sent_at is not None
    refused = by_recipient[emails["b"]]
    assert refused.sent_at is None and refused.attempts == 1 and "550" in refused.last_error


def test_server_down_leaves_everything_queued_with_the_error_then_a_retry_sends(mail_engine, partners, stale):
    queue(mail_engine)
    with Session(mail_engine) as session:
        result = send_pending(session, smtp_url=f"smtp://127.0.0.1:{closed_port()}", timeout=5)
    assert (result.sent, result.failed) == (0, 2) and "ConnectionRefusedError" in result.error
    messages = outbox(mail_engine)
    assert all(m.sent_at is None and m.attempts == 1 and "ConnectionRefusedError" in m.last_error for m in messages)
    assert all(m.last_attempt_at is not None for m in messages)
    with SmtpSink() as sink, Session(mail_engine) as session:
        assert send_pending(session, smtp_url=f"smtp://127.0.0.1:{sink.port}").sent == 2
    assert all(m.sent_at is not None and m.attempts == 2 and m.last_error == "" for m in outbox(mail_engine))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A throw-away self-signed certificate for 127.0.0.1 (the openssl command line)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cafile=str(folder / "cert.pem"))
    return server, client


def test_starttls_and_implicit_tls(mail_engine, partners, stale, certificate):
    server, client = certificate
    queue(mail_engine)
    with SmtpSink(options=SinkOptions(implicit_tls=server)) as sink, Session(mail_engine) as session:
        result = send_pending(session, smtp_url=f"smtps://127.0.0.1:{sink.port}", tls_context=client, timeout=10)
        assert result.sent == 2 and all(mail.tls for mail in sink.received)
    queue(mail_engine, today=TODAY + timedelta(days=40))
    with SmtpSink(options=SinkOptions(starttls=server)) as sink, Session(mail_engine) as session:
        result = send_pending(session, smtp_url=f"smtp+starttls://127.0.0.1:{sink.port}", tls_context=client)
        assert result.sent == 2 and all(mail.tls for mail in sink.received)
    # STARTTLS required but not offered: nothing goes out in clear text, the messages stay queued
    queue(mail_engine, today=TODAY + timedelta(days=80))
    with SmtpSink() as sink, Session(mail_engine) as session:
        result = send_pending(session, smtp_url=f"smtp+starttls://127.0.0.1:{sink.port}", tls_context=client)
        assert result.failed == 2 and sink.received == [] and "STARTTLS" in result.error
    # a plain smtps client against a certificate it does not trust refuses too
    with SmtpSink(options=SinkOptions(implicit_tls=server)) as sink, Session(mail_engine) as session:
        result = send_pending(session, smtp_url=f"smtps://127.0.0.1:{sink.port}", timeout=10)
        assert result.failed == 2 and sink.received == [] and "SSLCertVerificationError" in result.error


def test_a_bad_or_missing_smtp_setting_is_a_clear_error(mail_engine, partners, stale):
    queue(mail_engine)
    with Session(mail_engine) as session:
        with pytest.raises(SmtpUrlError, match="no SMTP server configured"):
            send_pending(session, smtp_url="")
        with pytest.raises(SmtpUrlError, match="scheme 'http'"):
            send_pending(session, smtp_url="http://127.0.0.1:25")
        with pytest.raises(SmtpUrlError, match="invalid port"):
            send_pending(session, smtp_url="smtp://127.0.0.1:99999")
    assert all(m.attempts == 0 for m in outbox(mail_engine))
