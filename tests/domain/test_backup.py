"""Backups restore into a fresh database with the same contents."""

from __future__ import annotations

import hashlib
import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from app.operations.backup import backup, restore
from app.core.db import make_engine


def fingerprint(engine) -> dict[str, str]:
    """Row count and a hash of every table's rows, order-independent."""
    out = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(table.select()).all()
            digest = hashlib.sha256("\n".join(sorted(repr(tuple(map(str, row))) for row in rows)).encode()).hexdigest()
            out[table.name] = f"{len(rows)}:{digest[:16]}"
    return out


def test_backup_then_restore_into_a_fresh_database(loaded_engine, settings, tmp_path):
    url = settings.sqlalchemy_url
    original = fingerprint(loaded_engine)
    assert int(original["service"].split(":")[0]) > 400
    archive = backup(url, tmp_path / "backup.bin")
    assert archive.exists() and not list(tmp_path.glob(".*partial"))
    if url.startswith("sqlite"):
        fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
        restore(fresh_url, archive)
        fresh = make_engine(fresh_url)
        try:
            assert fingerprint(fresh) == original
        finally:
            fresh.dispose()
        return
    name = f"sk_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(os.environ["SK_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    fresh_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    try:
        restore(fresh_url, archive)
        fresh = make_engine(fresh_url)
        try:
            assert fingerprint(fresh) == original
        finally:
            fresh.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
