"""Sign-in limits in the database: per e-mail and per client, a back-off that always ends."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from app.core import models
from app.http.client_address import client_address, parse_trusted_proxies
from app.domain.login_limits import (
    MAX_BLOCK,
    LoginPolicy,
    clear_email,
    email_key,
    record_failure,
    record_success,
    seconds_blocked,
)

POLICY = LoginPolicy.parse("5/minute")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def session(loaded_engine):
    with Session(loaded_engine) as session:
        yield session


def fresh() -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    return f"someone-{tag}@example.org", f"192.0.2.{int(tag[:2], 16) % 250}-{tag}"


def fail(session, email, client, at, times=1):
    for _ in range(times):
        record_failure(session, email=email, client=client, policy=POLICY, now=at)


def test_five_failures_block_for_a_minute_then_the_block_doubles_up_to_a_cap(session):
    email, client = fresh()
    fail(session, email, client, T0, times=4)
    assert seconds_blocked(session, email=email, client=client, now=T0) == 0
    fail(session, email, client, T0)
    assert seconds_blocked(session, email=email, client=client, now=T0) == 60
    # after the block: the next failure doubles it, and so on, never past MAX_BLOCK
    moment, expected = T0, 60
    for _ in range(8):
        moment += timedelta(seconds=expected)
        assert seconds_blocked(session, email=email, client="another-client", now=moment) == 0
        fail(session, email, "another-client", moment)
        expected = min(expected * 2, int(MAX_BLOCK.total_seconds()))
        assert seconds_blocked(session, email=email, client="another-client", now=moment) == expected
    assert expected == MAX_BLOCK.total_seconds()


def test_a_quiet_window_starts_a_new_run(session):
    email, client = fresh()
    fail(session, email, client, T0, times=4)
    later = T0 + timedelta(seconds=61)
    fail(session, email, client, later)
    assert seconds_blocked(session, email=email, client=client, now=later) == 0


def test_the_right_password_clears_the_email_but_not_the_client(session):
    email, client = fresh()
    fail(session, email, client, T0, times=4)
    record_success(session, email)
    other_email, _ = fresh()
    fail(session, other_email, client, T0, times=1)
    assert seconds_blocked(session, email=email, client="elsewhere", now=T0) == 0
    # the client has 5 failures now: clients may fail twice as often as one e-mail address
    assert seconds_blocked(session, email=f"x{other_email}", client=client, now=T0) == 0
    fail(session, f"y{other_email}", client, T0, times=5)
    assert seconds_blocked(session, email=f"z{other_email}", client=client, now=T0) == 60


def test_a_password_reset_ends_an_attackers_block_of_the_owner(session):
    email, client = fresh()
    fail(session, email, client, T0, times=5)
    assert seconds_blocked(session, email=email, client="owner-at-home", now=T0) == 60
    clear_email(session, email)
    assert seconds_blocked(session, email=email, client="owner-at-home", now=T0) == 0


def test_no_email_or_address_is_stored(session):
    email, client = fresh()
    fail(session, email, client, T0)
    keys = session.exec(select(models.LoginThrottle.key_hash)).all()
    assert email_key(email) in keys
    assert not any(email in key or client in key for key in keys)


def test_forwarded_for_is_believed_only_from_trusted_proxies():
    trusted = parse_trusted_proxies("10.0.0.1, 192.168.0.0/24")
    assert trusted == (ipaddress.ip_network("10.0.0.1/32"), ipaddress.ip_network("192.168.0.0/24"))
    assert client_address("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"
    assert client_address("127.0.0.1", ["203.0.113.9"], trusted) == "127.0.0.1"
    assert client_address("10.0.0.1", ["203.0.113.9"], trusted) == "203.0.113.9"
    # the client wrote a fake first hop; the proxies appended the real one: read from the right
    assert client_address("10.0.0.1", ["1.2.3.4, 203.0.113.9, 192.168.0.7"], trusted) == "203.0.113.9"
    assert client_address("10.0.0.1", [], trusted) == "10.0.0.1"
    with pytest.raises(ValueError):
        parse_trusted_proxies("10.0.0.300")
