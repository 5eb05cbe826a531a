"""Engine, sessions, transactions and migrations.

Alembic owns the schema (``app/migrations``); ``create_all`` is used only in tests.

Every write ends in :func:`committing` (all of it committed, or all of it rolled back), and
whoever keeps a copy of some tables (the catalogue snapshot) hears of every committed write to
them through :func:`on_committed_writes`, whichever code path wrote.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def make_engine(url: str, **kwargs) -> Engine:
    """An engine with the settings this app relies on for each backend."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision``."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """Commit what the block wrote, or roll all of it back and re-raise: never a half-written record.

    The one way this app ends a write (``tests/test_architecture.py`` finds no other commit).
    """
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise


# -- who hears of committed writes ------------------------------------------------------------

#: per engine: (tables, weak reference to a bound method) to call after a commit writing them
_commit_watchers: weakref.WeakKeyDictionary[Engine, list[tuple[frozenset[str], weakref.WeakMethod]]] = (
    weakref.WeakKeyDictionary()
)
_watchers_lock = threading.Lock()
_WRITTEN = "sk_written_tables"  # key in Session.info: the tables the open transaction wrote


def on_committed_writes(engine: Engine, tables: Iterable[str], callback: Callable[[], None]) -> None:
    """Call ``callback()`` after every committed session on ``engine`` that wrote any of ``tables``
    (ORM objects added, changed or deleted, or an INSERT/UPDATE/DELETE run through the session).

    ``callback`` is a bound method, held weakly: its owner may go away while the engine stays.
    """
    with _watchers_lock:
        _commit_watchers.setdefault(engine, []).append((frozenset(tables), weakref.WeakMethod(callback)))


def _written(session: OrmSession) -> set[str]:
    return session.info.setdefault(_WRITTEN, set())


@event.listens_for(OrmSession, "after_flush")
def _note_flushed_tables(session: OrmSession, _flush_context) -> None:
    # after a flush the new/dirty/deleted sets still show what it wrote
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(instance, "__table__", None)
        if table is not None:
            _written(session).add(table.name)


@event.listens_for(OrmSession, "do_orm_execute")
def _note_statement_tables(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _written(state.session).add(table.name)


@event.listens_for(OrmSession, "after_commit")
def _tell_watchers(session: OrmSession) -> None:
    written = session.info.pop(_WRITTEN, None)
    bind = session.bind
    engine = getattr(bind, "engine", bind)
    if not written or engine is None:
        return
    with _watchers_lock:
        watchers = _commit_watchers.get(engine, [])
        watchers[:] = [(tables, method) for tables, method in watchers if method() is not None]
        callbacks = [method() for tables, method in watchers if tables & written]
    for callback in callbacks:
        if callback is not None:
            callback()


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_uncommitted(session: OrmSession, transaction) -> None:
    # the outermost transaction ended without a commit (after a commit the set is gone already)
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)
