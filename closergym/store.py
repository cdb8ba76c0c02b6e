"""SQLite storage through sqlite-utils: opening, migrations, and small data functions that take `db` first.

Every connection is opened by `open_db` for one thread (one Streamlit script run, one CLI call); none is
shared. WAL mode and a busy timeout let a class of trainees write at once; each finished turn is one
`BEGIN IMMEDIATE` transaction, so a turn is either fully saved or not at all. Problems a user can fix
(a folder that does not exist, a file that is not SQLite, a read-only file) raise `StorageError`
with a message naming the path and what to do; nothing here ever deletes or overwrites such a file.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import stat
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
NAME_MAX = 40
MOVES = ("acknowledge", "clarify", "respond", "advance")

migrations = Migrations("closergym")


class StorageError(Exception):
    """A storage problem the user can act on; the message says what happened and what to do."""


def now() -> str:
    """UTC timestamp as SQLite likes it: sortable text that `date()` and `strftime()` understand."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def new_uid() -> str:
    return secrets.token_hex(8)


# -- migrations: append only, never edit one that has shipped -------------------------------------


@migrations(name="001_initial")
def m001_initial(db: Database) -> None:
    db.execute(
        """CREATE TABLE trainees (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            trainee_id INTEGER NOT NULL REFERENCES trainees(id),
            kind TEXT NOT NULL,
            objection_slug TEXT,
            custom_objection TEXT,
            persona INTEGER NOT NULL DEFAULT 0,
            difficulty TEXT NOT NULL DEFAULT 'normal',
            seed INTEGER NOT NULL DEFAULT 0,
            engine TEXT NOT NULL DEFAULT 'builtin',
            status TEXT NOT NULL DEFAULT 'active',
            outcome TEXT,
            state TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            ended_at TEXT
        )"""
    )
    db.execute("CREATE INDEX sessions_trainee ON sessions(trainee_id, started_at)")
    db.execute(
        """CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            session_id INTEGER REFERENCES sessions(id),
            trainee_id INTEGER NOT NULL REFERENCES trainees(id),
            source TEXT NOT NULL DEFAULT 'sparring',
            round INTEGER NOT NULL DEFAULT 1,
            objection_slug TEXT,
            prompt TEXT NOT NULL,
            rebuttal TEXT NOT NULL,
            tier TEXT NOT NULL CHECK (tier IN ('weak', 'strong', 'elite')),
            score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
            acknowledge INTEGER NOT NULL CHECK (acknowledge BETWEEN 0 AND 2),
            clarify INTEGER NOT NULL CHECK (clarify BETWEEN 0 AND 2),
            respond INTEGER NOT NULL CHECK (respond BETWEEN 0 AND 2),
            advance INTEGER NOT NULL CHECK (advance BETWEEN 0 AND 2),
            grade TEXT NOT NULL DEFAULT '{}',
            reply TEXT,
            engine TEXT NOT NULL DEFAULT 'builtin',
            grade_ms REAL,
            reply_ms REAL,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX turns_trainee ON turns(trainee_id, created_at)")
    db.execute("CREATE INDEX turns_session ON turns(session_id, round)")
    db.execute(
        """CREATE TABLE lesson_progress (
            trainee_id INTEGER NOT NULL REFERENCES trainees(id),
            lesson_slug TEXT NOT NULL,
            read_at TEXT NOT NULL,
            PRIMARY KEY (trainee_id, lesson_slug)
        )"""
    )


@migrations(name="002_generator_runs")
def m002_generator_runs(db: Database) -> None:
    db.execute(
        """CREATE TABLE generator_runs (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            trainee_id INTEGER NOT NULL REFERENCES trainees(id),
            objection TEXT NOT NULL,
            context TEXT NOT NULL DEFAULT '{}',
            matched_slug TEXT,
            confidence REAL,
            result TEXT NOT NULL DEFAULT '{}',
            engine TEXT NOT NULL DEFAULT 'builtin',
            created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX generator_runs_trainee ON generator_runs(trainee_id, created_at)")
    db.execute("CREATE INDEX turns_objection ON turns(trainee_id, objection_slug)")


# -- opening -----------------------------------------------------------------------------------------


def check_db_path(path: Path, *, create_folder: bool) -> None:
    """Raise `StorageError` if `path` cannot hold our database; never touches an existing file."""
    folder = path.parent
    if not folder.exists():
        if not create_folder:
            raise StorageError(
                f"The folder {folder} does not exist, so the database {path} cannot be created. "
                "Create the folder, or point CLOSERGYM_DB at a file in a folder that exists."
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"Could not create the data folder {folder}: {error.strerror}.") from None
    if path.is_dir():
        raise StorageError(
            f"{path} is a folder, not a database file. Point CLOSERGYM_DB at a file such as "
            f"{path / 'closergym.db'}."
        )
    if path.exists():
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise StorageError(
                f"{path} is not a SQLite database, so Closer Gym left it untouched. "
                "Point CLOSERGYM_DB at another file, or move this one away."
            )
        if not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise StorageError(
                f"The database {path} is read-only. Make it writable (chmod u+w) or point "
                "CLOSERGYM_DB at a writable copy."
            )


def connect(path: Path | str) -> Database:
    """A fresh connection with our pragmas; `path` ':memory:' gives an in-memory database."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        db.query("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    return db


def open_db(path: Path | str, *, create_folder: bool = True) -> Database:
    """Open (creating if needed) and migrate the database at `path`."""
    path = Path(path)
    check_db_path(path, create_folder=create_folder)
    try:
        db = connect(path)
        migrate(db)
    except sqlite3.DatabaseError as error:
        raise StorageError(
            f"Could not open the database {path}: {error}. It was left untouched; point "
            "CLOSERGYM_DB at another file, or check the disk and the file's permissions."
        ) from None
    return db


def migrate(db: Database) -> None:
    migrations.apply(db)


def applied_migrations(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


@contextmanager
def write_transaction(db: Database, *, attempts: int = 3) -> Iterator[Database]:
    """`BEGIN IMMEDIATE` ... `COMMIT`: takes the write lock up front (waiting up to the busy timeout)
    so that concurrent writers queue instead of failing half-way; retries a locked start."""
    for attempt in range(attempts):
        try:
            db.conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def db_file_size(path: Path | str) -> int:
    """Bytes on disk, the write-ahead log included."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            total += candidate.stat().st_size
    return total


# -- trainees ------------------------------------------------------------------------------------------


def clean_trainee_name(name: str) -> str:
    """Normalise and validate a trainee name; raise `ValueError` with a message a user can act on."""
    if not isinstance(name, str):
        raise ValueError("A trainee name must be text.")
    name = unicodedata.normalize("NFC", name)
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Zl", "Zp") for ch in name):
        raise ValueError("A trainee name cannot contain control characters or line breaks.")
    name = " ".join(name.split())
    if not name:
        raise ValueError("Type a name (1 to 40 characters).")
    if len(name) > NAME_MAX:
        raise ValueError(f"That name is {len(name)} characters; keep it to {NAME_MAX} or fewer.")
    if not any(ch.isalnum() for ch in name):
        raise ValueError("A trainee name needs at least one letter or digit.")
    return name


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def create_trainee(db: Database, name: str) -> dict:
    name = clean_trainee_name(name)
    try:
        db.execute(
            "INSERT INTO trainees (name, name_key, created_at) VALUES (?, ?, ?)",
            [name, name_key(name), now()],
        )
    except sqlite3.IntegrityError:
        raise ValueError(f"A trainee called “{name}” already exists. Pick it from the list instead.") from None
    return get_trainee_by_name(db, name)


def get_trainee(db: Database, trainee_id: int) -> dict | None:
    return next(db.query("SELECT * FROM trainees WHERE id = ?", [trainee_id]), None)


def get_trainee_by_name(db: Database, name: str) -> dict | None:
    try:
        key = name_key(clean_trainee_name(name))
    except ValueError:
        return None
    return next(db.query("SELECT * FROM trainees WHERE name_key = ?", [key]), None)


def ensure_trainee(db: Database, name: str) -> dict:
    """The trainee with this name, created if missing (for the command line and imports)."""
    return get_trainee_by_name(db, name) or create_trainee(db, name)


def list_trainees(db: Database) -> list[dict]:
    return list(db.query("SELECT * FROM trainees ORDER BY name_key"))


# -- sessions and turns ---------------------------------------------------------------------------------


def create_session(db: Database, *, trainee_id: int, kind: str, **fields: Any) -> dict:
    stamp = now()
    row = {
        "uid": new_uid(),
        "trainee_id": trainee_id,
        "kind": kind,
        "started_at": stamp,
        "updated_at": stamp,
        **fields,
    }
    if isinstance(row.get("state"), dict):
        row["state"] = json.dumps(row["state"])
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with write_transaction(db):
        cursor = db.execute(f"INSERT INTO sessions ({columns}) VALUES ({marks})", list(row.values()))
    return get_session(db, cursor.lastrowid, trainee_id=trainee_id)


def get_session(db: Database, session_id: int, *, trainee_id: int) -> dict | None:
    """A session, only if it belongs to `trainee_id`."""
    row = next(
        db.query("SELECT * FROM sessions WHERE id = ? AND trainee_id = ?", [session_id, trainee_id]),
        None,
    )
    if row:
        row["state"] = json.loads(row["state"] or "{}")
    return row


def session_turns(db: Database, session_id: int, *, trainee_id: int) -> list[dict]:
    rows = db.query(
        "SELECT * FROM turns WHERE session_id = ? AND trainee_id = ? ORDER BY round, id",
        [session_id, trainee_id],
    )
    return [decode_turn(row) for row in rows]


def decode_turn(row: dict) -> dict:
    row["grade"] = json.loads(row["grade"] or "{}")
    return row


def save_turn(db: Database, turn: dict, *, session_update: dict | None = None) -> int:
    """Insert one graded turn (and the session's new state) in one transaction; return its id.

    `turn["uid"]` makes the save idempotent: a second save of the same turn changes nothing.
    """
    row = dict(turn)
    row.setdefault("uid", new_uid())
    row.setdefault("created_at", now())
    if isinstance(row.get("grade"), dict):
        row["grade"] = json.dumps(row["grade"], ensure_ascii=False)
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with write_transaction(db):
        existing = next(db.query("SELECT id FROM turns WHERE uid = ?", [row["uid"]]), None)
        if existing:
            return existing["id"]
        cursor = db.execute(f"INSERT INTO turns ({columns}) VALUES ({marks})", list(row.values()))
        if session_update and row.get("session_id"):
            update_session(db, row["session_id"], trainee_id=row["trainee_id"], **session_update)
    return cursor.lastrowid


def update_session(db: Database, session_id: int, *, trainee_id: int, **fields: Any) -> None:
    fields["updated_at"] = now()
    if isinstance(fields.get("state"), dict):
        fields["state"] = json.dumps(fields["state"], ensure_ascii=False)
    assignments = ", ".join(f"{name} = ?" for name in fields)
    db.execute(
        f"UPDATE sessions SET {assignments} WHERE id = ? AND trainee_id = ?",
        [*fields.values(), session_id, trainee_id],
    )


def recent_turns(db: Database, trainee_id: int, *, limit: int = 20) -> list[dict]:
    rows = db.query(
        "SELECT * FROM turns WHERE trainee_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        [trainee_id, limit],
    )
    return [decode_turn(row) for row in rows]


def trainee_counts(db: Database, trainee_id: int) -> dict:
    return next(
        db.query(
            """SELECT
                (SELECT count(*) FROM sessions WHERE trainee_id = :t) AS sessions,
                (SELECT count(*) FROM turns WHERE trainee_id = :t) AS turns,
                (SELECT count(*) FROM turns WHERE trainee_id = :t AND tier = 'elite') AS elite,
                (SELECT count(*) FROM lesson_progress WHERE trainee_id = :t) AS lessons_read""",
            {"t": trainee_id},
        )
    )


# -- lessons -----------------------------------------------------------------------------------------


def mark_lesson_read(db: Database, trainee_id: int, lesson_slug: str, *, read: bool = True) -> None:
    if read:
        db.execute(
            "INSERT OR IGNORE INTO lesson_progress (trainee_id, lesson_slug, read_at) VALUES (?, ?, ?)",
            [trainee_id, lesson_slug, now()],
        )
    else:
        db.execute(
            "DELETE FROM lesson_progress WHERE trainee_id = ? AND lesson_slug = ?",
            [trainee_id, lesson_slug],
        )


def lessons_read(db: Database, trainee_id: int) -> set[str]:
    rows = db.query("SELECT lesson_slug FROM lesson_progress WHERE trainee_id = ?", [trainee_id])
    return {row["lesson_slug"] for row in rows}


# -- generator runs ------------------------------------------------------------------------------------


def save_generator_run(db: Database, run: dict) -> int:
    row = dict(run)
    row.setdefault("uid", new_uid())
    row.setdefault("created_at", now())
    for key in ("context", "result"):
        if isinstance(row.get(key), dict):
            row[key] = json.dumps(row[key], ensure_ascii=False)
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with write_transaction(db):
        cursor = db.execute(
            f"INSERT INTO generator_runs ({columns}) VALUES ({marks})", list(row.values())
        )
    return cursor.lastrowid


def generator_runs(db: Database, trainee_id: int, *, limit: int = 20) -> list[dict]:
    rows = db.query(
        "SELECT * FROM generator_runs WHERE trainee_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        [trainee_id, limit],
    )
    out = []
    for row in rows:
        row["context"] = json.loads(row["context"] or "{}")
        row["result"] = json.loads(row["result"] or "{}")
        out.append(row)
    return out
