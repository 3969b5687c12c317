"""Where workers and their versions live.

:class:`Store` is the interface (later parts add KV and a Redis implementation); :class:`SqliteStore` keeps
everything in one embedded SQLite file under the data directory, so nothing is lost on restart. Versions are
numbered per worker and immutable; making one live is a single UPDATE.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from edgeworker.isolates.types import ScriptFormat, WorkerScript
from edgeworker.limits.settings import WorkerLimits


@dataclass(frozen=True)
class Version:
    worker: str
    version: int
    created_at: float
    source: str
    format: ScriptFormat
    code: str
    line1_offset: int
    vars: dict[str, Any]
    secrets: dict[str, str]
    routes: list[str]
    limits: WorkerLimits

    def script(self) -> WorkerScript:
        env: dict[str, Any] = {"vars": self.vars, "secrets": self.secrets}
        return WorkerScript(self.worker, self.version, self.format, self.code, self.line1_offset, env, self.limits)


@dataclass(frozen=True)
class WorkerRecord:
    name: str
    live_version: int
    updated_at: float


class Store(Protocol):
    def add_version(self, version: Version) -> Version: ...
    def set_live(self, worker: str, version: int) -> None: ...
    def get_version(self, worker: str, version: int) -> Version | None: ...
    def live_version(self, worker: str) -> Version | None: ...
    def latest_version(self, worker: str) -> Version | None: ...
    def list_workers(self) -> list[WorkerRecord]: ...
    def list_versions(self, worker: str) -> list[Version]: ...
    def delete_worker(self, worker: str) -> bool: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS workers (
    name TEXT PRIMARY KEY,
    live_version INTEGER NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    worker TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at REAL NOT NULL,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    code TEXT NOT NULL,
    line1_offset INTEGER NOT NULL,
    vars TEXT NOT NULL,
    secrets TEXT NOT NULL,
    routes TEXT NOT NULL,
    limits TEXT NOT NULL,
    PRIMARY KEY (worker, version)
);
"""


class SqliteStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        path.chmod(0o600)  # it holds secrets

    def close(self) -> None:
        self._db.close()

    def add_version(self, version: Version) -> Version:
        """Store a new version numbered after the worker's latest, and make it live, in one transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM versions WHERE worker = ?", (version.worker,)
                ).fetchone()
                number = int(row[0]) + 1
                now = time.time()
                self._db.execute(
                    "INSERT INTO versions VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        version.worker,
                        number,
                        now,
                        version.source,
                        version.format,
                        version.code,
                        version.line1_offset,
                        json.dumps(version.vars),
                        json.dumps(version.secrets),
                        json.dumps(version.routes),
                        json.dumps(version.limits.to_dict()),
                    ),
                )
                self._db.execute(
                    "INSERT INTO workers VALUES (?,?,?) ON CONFLICT(name) DO UPDATE "
                    "SET live_version = excluded.live_version, updated_at = excluded.updated_at",
                    (version.worker, number, now),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        stored = self.get_version(version.worker, number)
        assert stored is not None
        return stored

    def set_live(self, worker: str, version: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE workers SET live_version = ?, updated_at = ? WHERE name = ?", (version, time.time(), worker)
            )

    def _row(self, row: tuple[Any, ...] | None) -> Version | None:
        if row is None:
            return None
        return Version(
            worker=row[0],
            version=row[1],
            created_at=row[2],
            source=row[3],
            format=row[4],
            code=row[5],
            line1_offset=row[6],
            vars=json.loads(row[7]),
            secrets=json.loads(row[8]),
            routes=json.loads(row[9]),
            limits=WorkerLimits(**json.loads(row[10])),
        )

    def get_version(self, worker: str, version: int) -> Version | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM versions WHERE worker = ? AND version = ?", (worker, version))
            return self._row(row.fetchone())

    def live_version(self, worker: str) -> Version | None:
        with self._lock:
            row = self._db.execute(
                "SELECT v.* FROM versions v JOIN workers w ON v.worker = w.name AND v.version = w.live_version "
                "WHERE w.name = ?",
                (worker,),
            )
            return self._row(row.fetchone())

    def latest_version(self, worker: str) -> Version | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM versions WHERE worker = ? ORDER BY version DESC LIMIT 1", (worker,))
            return self._row(row.fetchone())

    def list_workers(self) -> list[WorkerRecord]:
        with self._lock:
            rows = self._db.execute("SELECT name, live_version, updated_at FROM workers ORDER BY name").fetchall()
        return [WorkerRecord(*row) for row in rows]

    def list_versions(self, worker: str) -> list[Version]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM versions WHERE worker = ? ORDER BY version", (worker,)).fetchall()
        return [v for v in (self._row(r) for r in rows) if v is not None]

    def delete_worker(self, worker: str) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            cur = self._db.execute("DELETE FROM workers WHERE name = ?", (worker,))
            self._db.execute("DELETE FROM versions WHERE worker = ?", (worker,))
            self._db.execute("COMMIT")
        return cur.rowcount > 0
