"""SQLite storage through sqlite-utils: opening, migrations, and small data functions that take `db` first.

Every connection is opened by `open_db` for one thread (one Streamlit script run, one CLI call); none is
shared. WAL mode and a busy timeout let a class of trainees write at once; each finished turn is one
`BEGIN IMMEDIATE` transaction, so a turn is either fully saved or not at all. Problems a user can fix
(a folder that does not exist, a file that is not SQLite, a read-only file) raise `StorageError`
with a message naming the path and what to do; nothing here ever deletes or overwrites such a file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
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

BUSY_TIMEOUT_MS = 5000
NAME_MAX = 40

migrations = Migrations("closergym")


class SessionClosed(Exception):
    """A turn for a session that is no longer active (it was ended while the answer was being graded)."""


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


@migrations(name="003_objection_cards")
def m003_objection_cards(db: Database) -> None:
    """Replayed spaced-repetition cards (a cache `schedule` rebuilds at will), and an index that
    walks one trainee's turns on one objection in time order (it replaces `turns_objection`)."""
    db.execute(
        """CREATE TABLE objection_cards (
            trainee_id INTEGER NOT NULL REFERENCES trainees(id),
            objection_slug TEXT NOT NULL,
            scheduler TEXT NOT NULL,
            card TEXT NOT NULL,
            reviews INTEGER NOT NULL,
            strong_or_better INTEGER NOT NULL,
            last_tier TEXT NOT NULL,
            through_at TEXT NOT NULL,
            through_id INTEGER NOT NULL,
            PRIMARY KEY (trainee_id, objection_slug)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX turns_objection_time ON turns(trainee_id, objection_slug, created_at)")
    db.execute("DROP INDEX turns_objection")


# `turn_days` (migration 004): one row per trainee, UTC day and objection ('' for a trainee's own), kept by
# triggers on `turns`, so the Progress page reads a few thousand rows a year however many turns there are.
# These pieces belong to migration 004: once shipped, change them only through a new migration.
TURN_DAYS_AGGREGATES = """count(*), coalesce(sum(session_id IS NOT NULL AND round = 1), 0), sum(score), max(score),
    sum(tier = 'weak'), sum(tier = 'strong'), sum(tier = 'elite'),
    sum(acknowledge), sum(clarify), sum(respond), sum(advance)"""
TURN_DAYS_COLUMNS = """trainee_id, day, objection_slug, turns, sessions, score_sum, best, weak, strong, elite,
    acknowledge, clarify, respond, advance, first_at, first_id, first_score"""

TURN_DAYS_FROM_TURNS = f"""SELECT trainee_id, day, slug, {TURN_DAYS_AGGREGATES},
       max(CASE WHEN rank = 1 THEN created_at END), max(CASE WHEN rank = 1 THEN id END),
       max(CASE WHEN rank = 1 THEN score END)
    FROM (SELECT *, substr(created_at, 1, 10) AS day, coalesce(objection_slug, '') AS slug,
                 row_number() OVER (PARTITION BY trainee_id, substr(created_at, 1, 10), coalesce(objection_slug, '')
                                    ORDER BY created_at, id) AS rank
          FROM turns)
    GROUP BY trainee_id, day, slug"""  # turn_days computed from scratch (the backfill; tests compare with it)


def _turn_days_rebuild(ref: str) -> str:
    """Trigger statements that recompute the `turn_days` row holding turn `ref` ('old' or 'new') from
    `turns` (a delete or an edit: rare, and one day of one objection is a handful of rows)."""
    key = f"""trainee_id = {ref}.trainee_id AND objection_slug IS {ref}.objection_slug
              AND created_at >= substr({ref}.created_at, 1, 10) AND created_at < date({ref}.created_at, '+1 day')"""
    return f"""
        DELETE FROM turn_days WHERE trainee_id = {ref}.trainee_id AND day = substr({ref}.created_at, 1, 10)
            AND objection_slug = coalesce({ref}.objection_slug, '');
        INSERT INTO turn_days ({TURN_DAYS_COLUMNS})
        SELECT {ref}.trainee_id, substr({ref}.created_at, 1, 10), coalesce({ref}.objection_slug, ''),
               totals.*, first.created_at, first.id, first.score
        FROM (SELECT {TURN_DAYS_AGGREGATES} FROM turns WHERE {key}) AS totals,
             (SELECT created_at, id, score FROM turns WHERE {key} ORDER BY created_at, id LIMIT 1) AS first;"""


@migrations(name="004_analytics_rollup")
def m004_analytics_rollup(db: Database) -> None:
    """`turn_days`: daily per-objection totals of each trainee's turns for `analytics`, a derived table
    that triggers keep in step with `turns` (an insert adds to its row; a delete or an edit recomputes
    the rows it touched), filled here from the turns already saved."""
    db.execute(
        """CREATE TABLE turn_days (
            trainee_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            objection_slug TEXT NOT NULL,
            turns INTEGER NOT NULL,
            sessions INTEGER NOT NULL,
            score_sum INTEGER NOT NULL,
            best INTEGER NOT NULL,
            weak INTEGER NOT NULL,
            strong INTEGER NOT NULL,
            elite INTEGER NOT NULL,
            acknowledge INTEGER NOT NULL,
            clarify INTEGER NOT NULL,
            respond INTEGER NOT NULL,
            advance INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            first_id INTEGER NOT NULL,
            first_score INTEGER NOT NULL,
            PRIMARY KEY (trainee_id, day, objection_slug)
        ) WITHOUT ROWID"""
    )
    db.execute(f"INSERT INTO turn_days ({TURN_DAYS_COLUMNS}) {TURN_DAYS_FROM_TURNS}")
    db.execute(
        f"""CREATE TRIGGER turn_days_insert AFTER INSERT ON turns BEGIN
            INSERT INTO turn_days ({TURN_DAYS_COLUMNS})
            VALUES (new.trainee_id, substr(new.created_at, 1, 10), coalesce(new.objection_slug, ''), 1,
                    new.session_id IS NOT NULL AND new.round = 1, new.score, new.score, new.tier = 'weak',
                    new.tier = 'strong', new.tier = 'elite', new.acknowledge, new.clarify, new.respond,
                    new.advance, new.created_at, new.id, new.score)
            ON CONFLICT (trainee_id, day, objection_slug) DO UPDATE SET
                turns = turns + 1, sessions = sessions + excluded.sessions,
                score_sum = score_sum + excluded.score_sum, best = max(best, excluded.best),
                weak = weak + excluded.weak, strong = strong + excluded.strong, elite = elite + excluded.elite,
                acknowledge = acknowledge + excluded.acknowledge, clarify = clarify + excluded.clarify,
                respond = respond + excluded.respond, advance = advance + excluded.advance,
                first_at = CASE WHEN (excluded.first_at, excluded.first_id) < (first_at, first_id)
                                THEN excluded.first_at ELSE first_at END,
                first_id = CASE WHEN (excluded.first_at, excluded.first_id) < (first_at, first_id)
                                THEN excluded.first_id ELSE first_id END,
                first_score = CASE WHEN (excluded.first_at, excluded.first_id) < (first_at, first_id)
                                   THEN excluded.first_score ELSE first_score END;
        END"""
    )
    db.execute(f"CREATE TRIGGER turn_days_delete AFTER DELETE ON turns BEGIN {_turn_days_rebuild('old')} END")
    db.execute(
        f"""CREATE TRIGGER turn_days_update AFTER UPDATE OF trainee_id, created_at, objection_slug, session_id, round,
                score, tier, acknowledge, clarify, respond, advance ON turns
            BEGIN {_turn_days_rebuild('old')} {_turn_days_rebuild('new')} END"""
    )


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
    # The file is never opened here: closing any descriptor of it would drop every SQLite lock this process
    # holds on it (POSIX locks are per process), and another program closing its connection would then
    # delete the WAL our live connections still write to. SQLite reads the header itself (see `open_db`).
    # The mode bits catch a chmod'ed file even for root (whom `access` lets write anyway); `access` catches
    # a read-only disk or a file owned by someone else.
    writable = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    if path.exists() and (not path.stat().st_mode & writable or not os.access(path, os.W_OK)):
        raise StorageError(
            f"The database {path} is read-only. Make it writable (chmod u+w) or point "
            "CLOSERGYM_DB at a writable copy."
        )


def connect(path: Path | str, *, closable_elsewhere: bool = False) -> Database:
    """A fresh connection with our pragmas; `path` ':memory:' gives an in-memory database.

    `closable_elsewhere=True` lets another thread close it once its own thread has finished (it is still
    used by one thread only). Every sqlite3 connection sits in a reference cycle with its statement
    cache, so only `close()` or a full garbage collection gives its file handles back."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=not closable_elsewhere)
    db = Database(conn)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            db.query("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error:
        conn.close()  # not a database (or a broken one): give its file back now, not at a garbage collection
        raise
    return db


def open_db(path: Path | str, *, create_folder: bool = True, closable_elsewhere: bool = False) -> Database:
    """Open (creating if needed) and migrate the database at `path`."""
    path = Path(path)
    check_db_path(path, create_folder=create_folder)
    db = None
    try:
        db = connect(path, closable_elsewhere=closable_elsewhere)
        migrate(db)
    except sqlite3.DatabaseError as error:
        if db is not None:
            db.close()
        if getattr(error, "sqlite_errorname", "") == "SQLITE_NOTADB":
            raise StorageError(
                f"{path} is not a SQLite database, so Closer Gym left it untouched. "
                "Point CLOSERGYM_DB at another file, or move this one away."
            ) from None
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
    so that concurrent writers queue instead of failing half-way; retries a locked start. Inside a caller's
    transaction it joins that one, so a writer here can be part of a larger all-or-nothing write."""
    if db.conn.in_transaction:
        yield db
        return
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
        db.conn.execute("COMMIT")
    except BaseException:
        # Also when COMMIT itself fails (a full disk, a busy reader): SQLite may leave the transaction
        # open, holding the write lock for every other connection until this one is closed.
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def storage_problem(error: sqlite3.Error, path: Path | str) -> StorageError | None:
    """What a failed read or write means for the user, as a `StorageError` naming `path` and what to do;
    None for an error that is a bug rather than a problem with the disk or the file."""
    code = getattr(error, "sqlite_errorname", "") or ""
    if code.startswith("SQLITE_FULL"):
        what = f"The disk holding the database {path} is full. Free some space on it, then try again."
    elif code.startswith("SQLITE_READONLY"):
        what = (f"The database {path} has become read-only (the file, its folder or its disk no longer "
                "accepts writes). Make it writable again, then try again.")
    elif code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        what = (f"The database {path} stayed locked by another program for {BUSY_TIMEOUT_MS // 1000} s. "
                "Try again in a moment.")
    elif code.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")):
        what = f"The disk holding the database {path} failed ({error}). Check the disk, then reload the page."
    elif code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        what = (f"The database {path} is damaged ({error}). Restore it from a backup or an export, or point "
                "CLOSERGYM_DB at another file.")
    elif "no such table" in str(error) and not _has_our_tables(path):
        what = (f"The database {path} lost Closer Gym's tables: it was replaced or emptied while the app "
                "was running. Put the file back, or restart Closer Gym to start a new one.")
    else:
        return None
    return StorageError(what)


def _has_our_tables(path: Path | str) -> bool:
    """Whether the file at `path` still holds our schema (else a "no such table" is a bug in a query)."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'trainees'").fetchone())
    except sqlite3.Error:
        return False
    finally:
        conn.close()


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


_JOINERS = "\u200c\u200d"  # zero-width (non-)joiners: part of how Persian, Arabic and Indic names are spelled


def _hidden_marks(name: str) -> bool:
    """Whether `name` holds an invisible formatting character (Unicode's Cf: zero-width spaces, direction marks
    and overrides, soft hyphens), other than a joiner between two letters of a script that spells with them."""
    for index, ch in enumerate(name):
        if unicodedata.category(ch) != "Cf":
            continue
        if ch in _JOINERS and 0 < index < len(name) - 1 and all(
                neighbour.isalpha() and not neighbour.isascii() for neighbour in (name[index - 1], name[index + 1])):
            continue
        return True
    return False


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


DEMO_PREFIX = "Demo · "  # demo data's names (closergym.demo): nobody else's name starts so


def is_demo_name(name: str) -> bool:
    return name_key(name).startswith(name_key(DEMO_PREFIX))


def create_trainee(db: Database, name: str, *, private: bool = False) -> dict:
    """A new trainee. `private=True` (what the app does) gives it an access code, returned once as
    `access_code`: the profile then opens only with that code."""
    name = clean_trainee_name(name)
    if _hidden_marks(name):  # new names only: a profile made before this rule still opens
        raise ValueError("A trainee name cannot contain invisible characters (a zero-width space, a direction "
                         "mark, a soft hyphen): it would look like someone else's name.")
    if is_demo_name(name):
        raise ValueError(f"Names starting with “{DEMO_PREFIX.strip()}” are kept for demo data (an instructor's demo "
                         "cohort, removed in one click). Choose another name.")
    try:
        db.execute(
            "INSERT INTO trainees (name, name_key, created_at) VALUES (?, ?, ?)",
            [name, name_key(name), now()],
        )
    except sqlite3.IntegrityError:
        raise ValueError(f"A trainee called “{name}” already exists. Open it with its access code, "
                         "or choose another name.") from None
    trainee = get_trainee_by_name(db, name)
    if private:
        trainee["access_code"] = reset_access_code(db, trainee["id"])
        trainee["access_hash"] = get_trainee(db, trainee["id"])["access_hash"]
    return trainee


def create_demo_trainee(db: Database, name: str, *, created_at: str, show_on_leaderboard: bool) -> int:
    """A demo trainee (`is_demo = 1`, a name with the demo prefix, no access code); returns its id."""
    if not is_demo_name(name):
        raise ValueError(f"A demo trainee's name starts with “{DEMO_PREFIX.strip()}”.")
    cursor = db.execute("INSERT INTO trainees (name, name_key, created_at, is_demo, show_on_leaderboard) "
                        "VALUES (?, ?, ?, 1, ?)", [name, name_key(name), created_at, int(show_on_leaderboard)])
    return cursor.lastrowid


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
        row["pending"] = json.loads(row["pending"]) if row.get("pending") else None
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

    `turn["uid"]` makes the save idempotent: a second save of the same turn changes nothing. With
    `session_update`, the session must still be active (`SessionClosed` otherwise, and nothing is saved).
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
        if session_update and row.get("session_id"):
            status = next(db.query("SELECT status FROM sessions WHERE id = ? AND trainee_id = ?",
                                   [row["session_id"], row["trainee_id"]]), {}).get("status")
            if status != "active":
                raise SessionClosed(f"session {row['session_id']} is {status or 'gone'}")
        cursor = db.execute(f"INSERT INTO turns ({columns}) VALUES ({marks})", list(row.values()))
        if session_update and row.get("session_id"):
            update_session(db, row["session_id"], trainee_id=row["trainee_id"], **session_update)
    return cursor.lastrowid


def set_reply(db: Database, turn_id: int, *, trainee_id: int, reply: str) -> None:
    """The prospect's line kept with a turn (an LLM's, in place of the built-in one)."""
    db.execute("UPDATE turns SET reply = ? WHERE id = ? AND trainee_id = ?", [reply, turn_id, trainee_id])


def abandon_sessions(db: Database, trainee_id: int) -> None:
    """Mark the trainee's unfinished sessions abandoned (a new one starts, or the trainee ends one)."""
    db.execute("UPDATE sessions SET status = 'abandoned', updated_at = ? WHERE trainee_id = ? AND status = 'active'",
               [now(), trainee_id])


def insert_rows(db: Database, table: str, columns: tuple[str, ...], rows: list[list], *, verb: str = "INSERT") -> int:
    """Many rows at once (an import), inside the caller's transaction; returns how many went in."""
    if not rows:
        return 0
    marks = ", ".join("?" for _ in columns)
    cursor = db.conn.executemany(f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    return cursor.rowcount


def update_session(db: Database, session_id: int, *, trainee_id: int, **fields: Any) -> None:
    fields["updated_at"] = now()
    if isinstance(fields.get("state"), dict):
        fields["state"] = json.dumps(fields["state"], ensure_ascii=False)
    assignments = ", ".join(f"{name} = ?" for name in fields)
    db.execute(
        f"UPDATE sessions SET {assignments} WHERE id = ? AND trainee_id = ?",
        [*fields.values(), session_id, trainee_id],
    )


def trainee_counts(db: Database, trainee_id: int) -> dict:
    return next(
        db.query(
            # from the per-day totals, as Progress counts them: a session counts once its first answer is graded
            """SELECT
                (SELECT coalesce(sum(sessions), 0) FROM turn_days WHERE trainee_id = :t) AS sessions,
                (SELECT coalesce(sum(turns), 0) FROM turn_days WHERE trainee_id = :t) AS turns,
                (SELECT coalesce(sum(elite), 0) FROM turn_days WHERE trainee_id = :t) AS elite,
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


# -- bootcamp mode: cohorts, and private trainee profiles -----------------------------------------------
# (migration 005 sits here, after 001-004 above, so that registration order stays numeric)


@migrations(name="005_cohorts_and_privacy")
def m005_cohorts_and_privacy(db: Database) -> None:
    db.execute("ALTER TABLE trainees ADD COLUMN access_hash TEXT")
    db.execute("ALTER TABLE trainees ADD COLUMN is_demo INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE trainees ADD COLUMN show_on_leaderboard INTEGER NOT NULL DEFAULT 0")
    db.execute(
        """CREATE TABLE cohorts (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            join_code TEXT NOT NULL UNIQUE,
            is_demo INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE cohort_members (
            cohort_id INTEGER NOT NULL REFERENCES cohorts(id),
            trainee_id INTEGER NOT NULL REFERENCES trainees(id),
            joined_at TEXT NOT NULL,
            PRIMARY KEY (cohort_id, trainee_id)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX cohort_members_trainee ON cohort_members(trainee_id)")


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _code_digest(code: str) -> str:
    normal = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(f"closergym-access:{normal}".encode()).hexdigest()


def new_access_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def reset_access_code(db: Database, trainee_id: int) -> str:
    """A new access code for a trainee (the old one stops working, and every browser session opened with it
    lets the profile go on its next run: see `opens`); only its hash is stored."""
    code = new_access_code()
    db.execute("UPDATE trainees SET access_hash = ? WHERE id = ?", [_code_digest(code), trainee_id])
    return code


def opens(trainee: dict | None, code: str | None) -> bool:
    """Whether `code` opens this profile in the app, checked on every run of a page (and every answer sent to
    the turn endpoint), so a new code shuts out every session opened with the old one. Only a profile with
    an access code opens: one made before private profiles existed has none, and gets one only from the
    command line (`python -m closergym trainees --new-code NAME`) or an instructor, never from a browser."""
    expected = (trainee or {}).get("access_hash")
    return bool(expected) and hmac.compare_digest(expected, _code_digest(code or ""))


def give_first_code(db: Database, trainee_id: int) -> str | None:
    """An access code for a profile that has none (what an instructor may do), returned once; None when the
    profile has a code already (only its owner, or the command line, changes that one)."""
    code = new_access_code()
    cursor = db.execute("UPDATE trainees SET access_hash = ? WHERE id = ? AND access_hash IS NULL AND is_demo = 0",
                        [_code_digest(code), trainee_id])
    return code if cursor.rowcount == 1 else None


def without_code(db: Database) -> list[dict]:
    """Profiles with no access code (made before private profiles existed, or by the command line or an
    import), demo data aside: nobody can open them in the app until they are given one."""
    return list(db.query("SELECT * FROM trainees WHERE access_hash IS NULL AND is_demo = 0 ORDER BY name_key"))


def check_access(trainee: dict, code: str | None) -> bool:
    """For the command line and imports, run by whoever holds the database: True if `code` opens this
    trainee's profile, or the profile has no code. The app itself asks `opens`."""
    expected = trainee.get("access_hash")
    if not expected:
        return True
    return hmac.compare_digest(expected, _code_digest(code or ""))


# -- an answer on its way (migration 006) ---------------------------------------------------------------


@migrations(name="006_pending_answers")
def m006_pending_answers(db: Database) -> None:
    db.execute("ALTER TABLE sessions ADD COLUMN pending TEXT")  # {"round", "text"} of an answer being graded


# -- the closing and psychology tracks (migration 007) ----------------------------------------------------


@migrations(name="007_track_scenarios")
def m007_track_scenarios(db: Database) -> None:
    """Second-call turns are counted under the closing track's scenario key, like every closing and psychology
    turn (`tracks`), not as a trainee's own objection (rounds 1 and 3) or as the stall's objection (round 2).
    The `turn_days` triggers move their daily totals with them."""
    db.execute("UPDATE turns SET objection_slug = 'closing:second-call' WHERE source = 'second_call'")


def hold_answer(db: Database, session_id: int, *, trainee_id: int, round_number: int, text: str) -> None:
    """Keep an answer taken in for grading with its session, until its turn is saved (`save_turn` clears it)
    or it is refused (`drop_answer`): a server that stops mid-answer leaves it there, to be offered back."""
    update_session(db, session_id, trainee_id=trainee_id,
                   pending=json.dumps({"round": round_number, "text": text}, ensure_ascii=False))


def drop_answer(db: Database, session_id: int, *, trainee_id: int) -> None:
    update_session(db, session_id, trainee_id=trainee_id, pending=None)


# -- cohorts and the spaced-repetition cards ------------------------------------------------------------


def add_cohort(db: Database, *, name: str, join_code: str, is_demo: bool = False) -> None:
    db.execute("INSERT INTO cohorts (uid, name, join_code, is_demo, created_at) VALUES (?, ?, ?, ?, ?)",
               [new_uid(), name, join_code, int(is_demo), now()])


def add_cohort_member(db: Database, cohort_id: int, trainee_id: int, *, joined_at: str | None = None) -> None:
    """A trainee joins a cohort (joining twice changes nothing)."""
    db.execute("INSERT OR IGNORE INTO cohort_members (cohort_id, trainee_id, joined_at) VALUES (?, ?, ?)",
               [cohort_id, trainee_id, joined_at or now()])


def set_show_on_leaderboard(db: Database, trainee_id: int, show_name: bool) -> None:
    db.execute("UPDATE trainees SET show_on_leaderboard = ? WHERE id = ?", [int(show_name), trainee_id])


def save_cards(db: Database, rows: list[list]) -> None:
    """Spaced-repetition cards, replaced whole (trainee, objection, scheduler, card, reviews, strong or better,
    last tier, through at, through id). A cache: on a locked or read-only database nothing is kept, and the
    cards are replayed again next time."""
    sql = """INSERT OR REPLACE INTO objection_cards (trainee_id, objection_slug, scheduler, card, reviews,
             strong_or_better, last_tier, through_at, through_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
    try:
        if db.conn.in_transaction:
            db.conn.executemany(sql, rows)
        else:
            with write_transaction(db, attempts=1):
                db.conn.executemany(sql, rows)
    except sqlite3.OperationalError:
        pass


# -- the team's product and authored objections (migration 008) ----------------------------------------


@migrations(name="008_team_content")
def m008_team_content(db: Database) -> None:
    """What a team (or a solo trainee) wrote itself: its product (kind "product", slug "product") and its own
    objections (kind "objection"), each as the JSON of its pydantic model. `owner` is "team" in bootcamp
    mode (the instructors', seen by every cohort) or "trainee:<id>" in solo mode."""
    db.execute("""CREATE TABLE IF NOT EXISTS team_content (
        id INTEGER PRIMARY KEY, owner TEXT NOT NULL, kind TEXT NOT NULL, slug TEXT NOT NULL,
        body TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (owner, kind, slug))""")


def save_team_content(db: Database, *, owner: str, kind: str, slug: str, body: dict) -> None:
    """Add or replace one product or authored objection (one transaction)."""
    with write_transaction(db):
        db.execute("INSERT INTO team_content (owner, kind, slug, body, updated_at) VALUES (?, ?, ?, ?, ?) "
                   "ON CONFLICT (owner, kind, slug) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                   [owner, kind, slug, json.dumps(body, ensure_ascii=False), now()])


def delete_team_content(db: Database, *, owner: str, kind: str, slug: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM team_content WHERE owner = ? AND kind = ? AND slug = ?", [owner, kind, slug])

# -- graded calls (migration 009) -----------------------------------------------------------------------


@migrations(name="009_calls")
def m009_calls(db: Database) -> None:
    """A trainee's call transcripts, kept on this server until the trainee deletes them. The answers saved
    from a call to Progress are turns with source 'call' and the uid `call-<call uid>-<n>`."""
    db.execute(
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            trainee_id INTEGER NOT NULL REFERENCES trainees(id),
            title TEXT NOT NULL,
            format TEXT NOT NULL,
            transcript TEXT NOT NULL,
            rep TEXT NOT NULL,
            created_at TEXT NOT NULL,
            saved_at TEXT
        )"""
    )
    db.execute("CREATE INDEX calls_trainee ON calls(trainee_id, created_at)")


def save_call(db: Database, *, trainee_id: int, title: str, format: str, transcript: str, rep: str) -> dict:
    """Keep a call's transcript for its trainee; returns the stored row, with `"new"` false when the trainee
    already kept this very transcript (a double click, the same file twice): that one, not a copy."""
    uid = new_uid()
    with write_transaction(db):
        kept = next(db.query("SELECT id FROM calls WHERE trainee_id = ? AND transcript = ? ORDER BY id LIMIT 1",
                             [trainee_id, transcript]), None)
        if kept:
            return {**get_call(db, kept["id"], trainee_id=trainee_id), "new": False}
        cursor = db.execute("INSERT INTO calls (uid, trainee_id, title, format, transcript, rep, created_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", [uid, trainee_id, title, format, transcript, rep, now()])
    return {**get_call(db, cursor.lastrowid, trainee_id=trainee_id), "new": True}


def get_call(db: Database, call_id: int, *, trainee_id: int) -> dict | None:
    """A call, only if it belongs to `trainee_id`."""
    return next(db.query("SELECT * FROM calls WHERE id = ? AND trainee_id = ?", [call_id, trainee_id]), None)


def list_calls(db: Database, trainee_id: int) -> list[dict]:
    return list(db.query("SELECT id, uid, title, format, rep, created_at, saved_at, length(transcript) AS chars "
                         "FROM calls WHERE trainee_id = ? ORDER BY created_at DESC, id DESC", [trainee_id]))


def set_call_rep(db: Database, call_id: int, *, trainee_id: int, rep: str, title: str) -> None:
    """Who the rep is on this call (the trainee's pick), and the title that follows from it."""
    db.execute("UPDATE calls SET rep = ?, title = ? WHERE id = ? AND trainee_id = ?", [rep, title, call_id, trainee_id])


def call_turn_uid(call_uid: str, index: int) -> str:
    return f"call-{call_uid}-{index}"


def _call_turns(call: dict) -> str:
    """A LIKE pattern for the turns saved from `call` (its uid is hex: nothing in it needs escaping)."""
    return f"call-{call['uid']}-%"


def save_call_turns(db: Database, call_id: int, *, trainee_id: int, turns: dict[int, dict]) -> int:
    """A call's graded answers (by their place in the call) saved to the trainee's progress in one
    transaction, as turns with source 'call'; each turn's uid comes from the call and the place, so saving
    twice adds nothing. Returns how many are new; `ValueError` when the call is not this trainee's."""
    call = get_call(db, call_id, trainee_id=trainee_id)
    if call is None:
        raise ValueError("That call was not found: it may have been deleted.")
    added = 0
    with write_transaction(db):
        for index, turn in turns.items():
            row = {**turn, "trainee_id": trainee_id, "source": "call", "session_id": None,
                   "uid": call_turn_uid(call["uid"], index)}
            if next(db.query("SELECT 1 FROM turns WHERE uid = ?", [row["uid"]]), None):
                continue
            row.setdefault("created_at", now())
            if isinstance(row.get("grade"), dict):
                row["grade"] = json.dumps(row["grade"], ensure_ascii=False)
            db.execute(f"INSERT INTO turns ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                       list(row.values()))
            added += 1
        db.execute("UPDATE calls SET saved_at = ? WHERE id = ? AND trainee_id = ?", [now(), call_id, trainee_id])
    return added


def call_turns_saved(db: Database, call_id: int, *, trainee_id: int) -> int:
    """How many of this call's answers are in the trainee's progress."""
    call = get_call(db, call_id, trainee_id=trainee_id)
    if call is None:
        return 0
    return next(db.query("SELECT count(*) AS n FROM turns WHERE trainee_id = ? AND uid LIKE ?",
                         [trainee_id, _call_turns(call)]))["n"]


def delete_call(db: Database, call_id: int, *, trainee_id: int) -> int:
    """Delete a call's transcript and the answers saved from it (their spaced-repetition cards are replayed
    afresh next time); returns how many saved answers went with it. Nothing for another trainee's call."""
    call = get_call(db, call_id, trainee_id=trainee_id)
    if call is None:
        return 0
    with write_transaction(db):
        slugs = [row["objection_slug"] for row in db.query(
            "SELECT DISTINCT objection_slug FROM turns WHERE trainee_id = ? AND uid LIKE ? AND objection_slug IS NOT NULL",
            [trainee_id, _call_turns(call)])]
        removed = db.execute("DELETE FROM turns WHERE trainee_id = ? AND uid LIKE ?",
                             [trainee_id, _call_turns(call)]).rowcount
        for slug in slugs:
            db.execute("DELETE FROM objection_cards WHERE trainee_id = ? AND objection_slug = ?", [trainee_id, slug])
        db.execute("DELETE FROM calls WHERE id = ? AND trainee_id = ?", [call_id, trainee_id])
    return removed


# -- instructors' sign-outs (migration 010) --------------------------------------------------------------


@migrations(name="010_instructor_sign_outs")
def m010_instructor_sign_outs(db: Database) -> None:
    # An instructor's sign-in is a signed token (closergym.cohorts.sign_in_token); signing out records its
    # nonce here until the token would have expired anyway, so a link or the Back button cannot bring it back.
    db.execute("CREATE TABLE instructor_sign_outs (nonce TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID")


def sign_out_instructor(db: Database, nonce: str, *, until: int, now_seconds: int) -> None:
    """Record a signed-out instructor token (by its nonce), and forget those past their expiry."""
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO instructor_sign_outs (nonce, until) VALUES (?, ?)", [nonce, until])
        db.execute("DELETE FROM instructor_sign_outs WHERE until < ?", [now_seconds])


def instructor_signed_out(db: Database, nonce: str) -> bool:
    return next(db.query("SELECT 1 AS out FROM instructor_sign_outs WHERE nonce = ?", [nonce]), None) is not None
