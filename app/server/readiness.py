"""Is the database ready to serve: reachable, and its schema at the migrations' head?

An empty or half-restored database (created, not migrated) answers ``SELECT 1`` like a good
one; only the Alembic revision tells them apart. ``/healthz`` reports both revisions, so an
operator sees at once which migration is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from app.core.db import MIGRATIONS_DIR, alembic_config


@lru_cache(maxsize=1)
def expected_revision() -> str:
    """The head of ``app/migrations`` (one head: the chain is linear)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    if len(heads) != 1:
        msg = f"{MIGRATIONS_DIR} has {len(heads)} heads ({', '.join(heads)}); expected one"
        raise RuntimeError(msg)
    return heads[0]


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    expected: str

    @property
    def ready(self) -> bool:
        return self.current == self.expected


def schema_status(engine: Engine) -> SchemaStatus:
    """The database's Alembic revision against the code's. Raises ``OperationalError`` when unreachable."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return SchemaStatus(current=None, expected=expected_revision())
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except DBAPIError:
            rows = []
    current = rows[0] if len(rows) == 1 else None
    return SchemaStatus(current=current, expected=expected_revision())


def is_missing_schema(exc: DBAPIError) -> bool:
    """A table or column the code needs does not exist (PostgreSQL ``42P01``/``42703``, SQLite "no such ...")."""
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if sqlstate in {"42P01", "42703"}:
        return True
    message = str(exc.orig).lower() if exc.orig is not None else ""
    return message.startswith(("no such table", "no such column"))
