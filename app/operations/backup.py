"""Backups: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def _libpq_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def default_backup_path(url: str, folder: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = "sqlite3" if url.startswith("sqlite") else "pgdump"
    return folder / f"sociale-kaart-{stamp}.{suffix}"


def backup(url: str, target: Path) -> Path:
    """A consistent copy while the app keeps running; written under a temporary name first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    try:
        if url.startswith("sqlite"):
            _sqlite_copy(Path(make_url(url).database), temporary)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={temporary}", _libpq_url(url)])
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _sqlite_copy(origin: Path, destination: Path) -> None:
    """SQLite's online backup: a consistent copy of ``origin`` into ``destination``."""
    reader, writer = sqlite3.connect(origin), sqlite3.connect(destination)
    try:
        with writer:
            reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def restore(url: str, source: Path) -> None:
    """Replace the database's contents with the backup's."""
    if not source.exists():
        msg = f"backup {source} does not exist"
        raise BackupError(msg)
    if url.startswith("sqlite"):
        database = Path(make_url(url).database)
        database.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, database)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(url)}", str(source)])


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        msg = f"{command[0]} is not installed (Debian: postgresql-client)"
        raise BackupError(msg)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        msg = f"{command[0]} failed: {result.stderr.strip()[:500]}"
        raise BackupError(msg)
