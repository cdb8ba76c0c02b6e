"""Export and import of one trainee's data: a versioned JSON document, and a CSV of graded turns.

An export holds the trainee's name and their sessions, turns, lessons read and generator runs, without the
database's integer ids: sessions, turns and generator runs are keyed by their `uid`, and a turn names its
session by that session's uid. Nothing else goes in: no settings and no keys (the database holds none).

An import reads at most `MAX_IMPORT_BYTES` and bounds its work before it starts: a file holding more JSON
values than any export of that size would (`MAX_JSON_VALUES`, counted without parsing) or more rows than
`MAX_IMPORT_ROWS` is refused as it is. It then validates the document row by row (pydantic, strict types,
ranges, lengths, patterns, every enumerated field, the shape of a grade and a session's state), stopping
after `SHOWN_PROBLEMS` problems, before writing anything, and merges it in one transaction: rows whose uid is already
there are left alone, so importing a file twice changes nothing. A file imported as another trainee of the
same database (a copy, or two names merged) gives its rows uids derived from the trainee, so that holds too. Any problem raises `TransferError` with a
message naming the place ("turns[3].score: must be 0-100 (got 150)") and leaves the database as it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlite_utils import Database

from closergym import store
from closergym.content import MOVES, SCENARIO_KEY_RE, SLUG_RE
from closergym.grading import TIERS
from closergym.llm import OWN_LLM_ENGINE
from closergym.sparring import DIFFICULTIES, OUTCOMES, ROUNDS

FORMAT = "closergym-export"
VERSION = 1
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_TEXT = 20_000  # prompts, rebuttals, replies: far above what the app accepts, far below abuse
MAX_JSON_OBJECT = 200_000  # characters of one grade, session state, generator context or result
MAX_JSON_DEPTH = 32  # ours nest three or four levels; SQLite's json() stops at 1000
SHOWN_PROBLEMS = 5
MAX_IMPORT_ROWS = 50_000  # sessions, turns, lessons read and generator runs together: years of daily practice
MAX_JSON_VALUES = 1_000_000  # a 20 MB export holds about 600,000; parsing a million takes ~0.5 s and ~100 MB
FUTURE_SLACK = timedelta(days=1)  # clocks differ; a time further ahead than this is not a real one

UID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
WORD_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
STAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
SOURCE_RE = re.compile(r"^(sparring|second_call|closing|psychology|call|lesson:[a-z0-9]+(-[a-z0-9]+)*)$")
DRILL_RE = re.compile(f"{SLUG_RE.pattern}|{SCENARIO_KEY_RE.pattern}")  # an objection, or a scenario's key

TABLE_LABELS = {
    "sessions": ("session", "sessions"),
    "turns": ("turn", "turns"),
    "lesson_progress": ("lesson read", "lessons read"),
    "generator_runs": ("generator run", "generator runs"),
}
# Stored JSON columns come last in each row: `export_json` appends them as stored (see there).
SESSION_COLUMNS = ("uid", "kind", "objection_slug", "custom_objection", "persona", "difficulty", "seed",
                   "engine", "status", "outcome", "started_at", "updated_at", "ended_at", "state")
TURN_COLUMNS = ("uid", "session_uid", "source", "round", "objection_slug", "prompt", "rebuttal", "tier",
                "score", *MOVES, "reply", "engine", "grade_ms", "reply_ms", "created_at", "grade")
LESSON_COLUMNS = ("lesson_slug", "read_at")
RUN_COLUMNS = ("uid", "objection", "matched_slug", "confidence", "engine", "created_at", "context", "result")
CSV_COLUMNS = ("created_at", "source", "round", "objection_slug", "prompt", "rebuttal", "tier", "score",
               *MOVES, "engine")
JSON_TEXT_COLUMNS = ("state", "grade", "context", "result")


class TransferError(Exception):
    """An export or import problem a user can act on; the message says what and where."""


# -- validation models -------------------------------------------------------------------------------


def matches(pattern: re.Pattern, description: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"must be {description}")
        return value

    return AfterValidator(check)


def within(low: int | float, high: int | float):
    def check(value):
        if not low <= value <= high:
            raise ValueError(f"must be {low}-{high}")
        return value

    return AfterValidator(check)


def valid_stamp(value: str) -> str:
    if not STAMP_RE.match(value):
        raise ValueError("must be a UTC time like 2025-01-31 14:05:09.123")
    try:
        stamp = datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise ValueError("is not a real date and time") from None
    if stamp > datetime.now(UTC) + FUTURE_SLACK:
        raise ValueError("is in the future")
    return value


def depth(value: dict | list) -> int:
    """How many lists and objects nest in `value`, counted level by level (no recursion), up to the
    limit + 1."""
    level, containers = 0, [value]
    while containers and level <= MAX_JSON_DEPTH:
        level += 1
        containers = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)
                      if isinstance(child, (dict, list))]
    return level


def json_object(value: dict) -> dict:
    if depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"nests more than {MAX_JSON_DEPTH} levels deep")
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):
        raise ValueError("must hold plain JSON (no NaN or Infinity)") from None
    if size > MAX_JSON_OBJECT:
        raise ValueError(f"is too large ({size:,} characters; at most {MAX_JSON_OBJECT:,})")
    return value


Uid = Annotated[str, Field(max_length=64), matches(UID_RE, "1-64 letters, digits, '-' or '_'")]
Slug = Annotated[str, Field(max_length=60), matches(SLUG_RE, "a slug such as too-expensive")]
Drill = Annotated[str, Field(max_length=80), matches(DRILL_RE, "a slug such as too-expensive, or closing:pre-frame")]
Word = Annotated[str, Field(max_length=40), matches(WORD_RE, "a lowercase word such as 'active'")]
Stamp = Annotated[str, Field(max_length=32), AfterValidator(valid_stamp)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Texts = Annotated[list[Text], Field(max_length=50)]
Tier = Literal[TIERS]
Engine = Literal["builtin", "llm", OWN_LLM_ENGINE]
Millis = Annotated[float, within(0, 86_400_000)]
Move = Annotated[int, within(0, 2)]
JsonObject = Annotated[dict[str, Any], AfterValidator(json_object)]


class Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class TraineeIn(Row):
    name: Annotated[str, Field(max_length=200)]


class MoveIn(Row):
    move: Literal[MOVES]
    points: Annotated[int, within(0, 2)]
    phrases: Texts = []
    note: Text = ""
    title: Text = ""
    counted: bool = True


class RedFlagIn(Row):
    code: Word
    label: Text
    cap: Tier
    phrases: Texts = []


class FeedbackIn(Row):
    keep: Texts = []
    start: Texts = []
    stop: Texts = []
    better: Text = ""
    better_why: Text = ""


def every_move_once(moves: list[MoveIn]) -> list[MoveIn]:
    if sorted(move.move for move in moves) != sorted(MOVES):
        raise ValueError(f"must mark each of {', '.join(MOVES)} once")
    return moves


class GradeIn(Row):
    """A stored grade (`grading.Grade.to_dict()`)."""

    tier: Tier
    score: Annotated[int, within(0, 100)]
    moves: Annotated[list[MoveIn], AfterValidator(every_move_once)]
    red_flags: Annotated[list[RedFlagIn], Field(max_length=20)] = []
    feedback: FeedbackIn
    objection_slug: Slug | None = None
    ignored: Texts = []
    engine: Engine = "builtin"
    notes: Texts = []


class StateIn(Row):
    """A session's state (`sparring.RoutineState.to_dict()`); a demo session's is empty."""

    round: Annotated[int, within(1, ROUNDS + 1)] = 1
    prompts: Annotated[list[Text], Field(max_length=ROUNDS + 2)] = []
    tiers: Annotated[list[Tier], Field(max_length=ROUNDS + 2)] = []
    patience: Annotated[int, within(0, 10)] = 3
    revealed: Annotated[list[Annotated[int, within(0, 100)]], Field(max_length=20)] = []
    door_open: bool = False
    finished: bool = False
    outcome: Literal[OUTCOMES] | None = None
    closing: Text | None = None
    curveball: Annotated[int, within(0, 100)] | None = None
    # what the rep offered so far, by kind of offer, in the rep's words (`offers.OFFERS`)
    offers: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")], Text], Field(max_length=40)] = {}
    home: bool = False
    # a custom objection's context, the prospect's role and the product (`sessions.start_session(prospect=)`)
    prospect: dict[Literal["role", "product"], Annotated[str, Field(max_length=80)]] = {}


class Keyed(Row):
    uid: Uid


class SessionIn(Keyed):
    kind: Literal["sparring", "second_call", "closing", "psychology"]
    objection_slug: Drill | None
    custom_objection: Annotated[str, Field(max_length=2_000)] | None
    persona: Annotated[int, within(0, 1_000)]
    difficulty: Literal[DIFFICULTIES]
    seed: Annotated[int, within(-(2**63), 2**63 - 1)]
    engine: Engine
    status: Literal["active", "complete", "abandoned"]
    outcome: Literal[OUTCOMES] | None
    state: StateIn
    started_at: Stamp
    updated_at: Stamp
    ended_at: Stamp | None

    @model_validator(mode="after")
    def resumable(self) -> SessionIn:
        if self.status == "active" and (not self.state.prompts or self.state.finished):
            raise ValueError("an active session needs the prospect's line and an unfinished state")
        return self


class TurnIn(Keyed):
    session_uid: Uid | None
    source: Annotated[str, Field(max_length=80), matches(SOURCE_RE, "'sparring', 'second_call', 'closing', 'psychology', 'call' or 'lesson:<slug>'")]
    round: Annotated[int, within(1, 100)]
    objection_slug: Drill | None
    prompt: Text
    rebuttal: Text
    tier: Tier
    score: Annotated[int, within(0, 100)]
    acknowledge: Move
    clarify: Move
    respond: Move
    advance: Move
    grade: GradeIn
    reply: Text | None
    engine: Engine
    grade_ms: Millis | None
    reply_ms: Millis | None
    created_at: Stamp

    @model_validator(mode="after")
    def agrees_with_its_grade(self) -> TurnIn:
        points = {move.move: move.points for move in self.grade.moves}
        if (self.grade.tier, self.grade.score) != (self.tier, self.score) or any(
                points[move] != getattr(self, move) for move in MOVES):
            raise ValueError("its grade does not match its tier, score and move points")
        return self


class LessonReadIn(Row):
    lesson_slug: Slug
    read_at: Stamp


class GeneratorRunIn(Keyed):
    objection: Annotated[str, Field(max_length=MAX_TEXT)]
    context: JsonObject
    matched_slug: Slug | None
    confidence: Annotated[float, within(0, 1)] | None
    result: JsonObject
    engine: Engine
    created_at: Stamp


class ExportDocument(Row):
    format: Literal["closergym-export"]
    version: Literal[1]
    exported_at: Stamp
    trainee: TraineeIn
    sessions: list[SessionIn]
    turns: list[TurnIn]
    lesson_progress: list[LessonReadIn]
    generator_runs: list[GeneratorRunIn]


class Header(Row):
    format: Literal["closergym-export"]
    version: Literal[1]
    exported_at: Stamp
    trainee: TraineeIn


ROW_MODELS: dict[str, type[Row]] = {"sessions": SessionIn, "turns": TurnIn, "lesson_progress": LessonReadIn,
                                    "generator_runs": GeneratorRunIn}


def where(location: tuple) -> str:
    out = ""
    for piece in location:
        out += f"[{piece}]" if isinstance(piece, int) else (f".{piece}" if out else str(piece))
    return out or "(the document)"


def describe_problem(problem: dict) -> str:
    """One pydantic error as 'turns[3].score: must be 0-100 (got 150)'."""
    kind, value = problem["type"], problem.get("input")
    if kind == "missing":
        return f"{where(problem['loc'])}: is missing"
    if kind == "extra_forbidden":
        return f"{where(problem['loc'])}: is not a field of a Closer Gym export"
    if kind == "string_too_long":
        limit = problem["ctx"]["max_length"]
        return f"{where(problem['loc'])}: is too long ({len(value):,} characters; at most {limit:,})"
    if kind == "value_error":
        message = str(problem["ctx"]["error"])
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        message = "should be an object, written {...}"
    elif kind == "list_type":
        message = "should be a list, written [...]"
    else:
        message = problem["msg"].replace("Input should be", "should be")
    if isinstance(value, (str, int, float, bool)) or value is None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        message += f" (got {shown})"
    return f"{where(problem['loc'])}: {message}"


def describe_problems(problems: list[str]) -> str:
    text = "; ".join(problems[:SHOWN_PROBLEMS])
    return text + ("; and more problems" if len(problems) > SHOWN_PROBLEMS else "")


def check_header(data: object) -> None:
    """Clear messages for a file that is not an export at all, or one from a newer version."""
    if not isinstance(data, dict):
        raise TransferError("This file is not a Closer Gym export: it should hold one JSON object.")
    if data.get("format") != FORMAT:
        raise TransferError(f"This file is not a Closer Gym export (its \"format\" is not \"{FORMAT}\").")
    version = data.get("version")
    if version == VERSION:
        return
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise TransferError(f"This export is format version {version}, made by a newer Closer Gym; "
                            "update Closer Gym to import it.")
    raise TransferError(f"This export has an unknown format version {version!r} "
                        f"(this Closer Gym reads version {VERSION}).")


def check_unique(label: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise TransferError(f"{label}[{index}]: {value!r} appears more than once in this file.")
        seen.add(value)


def check_rows(data: dict) -> None:
    """Every table a list, and all of them together within `MAX_IMPORT_ROWS`: checked before any row is read."""
    for table in ROW_MODELS:
        if not isinstance(data.get(table), list):
            raise TransferError(f"This export cannot be imported: {table}: "
                                + ("is missing." if table not in data else "should be a valid list."))
    rows = sum(len(data[table]) for table in ROW_MODELS)
    if rows > MAX_IMPORT_ROWS:
        raise TransferError(f"This export holds {rows:,} rows; at most {MAX_IMPORT_ROWS:,} can be imported at once.")


def validate_document(data: object, *, consume: bool = False) -> ExportDocument:
    """The document as typed models, or `TransferError` naming the first few problems. The work is bounded:
    the row count is checked first, then rows are validated one by one until `SHOWN_PROBLEMS` are found.
    With `consume`, each row of `data` is let go once validated, so a large file is not held twice."""
    check_header(data)
    check_rows(data)
    problems: list[str] = []

    def validated(model: type[Row], value: object, *place: str | int) -> Row | None:
        try:
            return model.model_validate(value)
        except ValidationError as error:
            problems.extend(describe_problem({**problem, "loc": (*place, *problem["loc"])})
                            for problem in error.errors()[:SHOWN_PROBLEMS])
            return None

    header = validated(Header, {key: value for key, value in data.items() if key not in ROW_MODELS})
    tables: dict[str, list] = {}
    for table, model in ROW_MODELS.items():
        tables[table] = []
        rows = data[table]
        for index, row in enumerate(rows):
            if len(problems) > SHOWN_PROBLEMS:
                break
            tables[table].append(validated(model, row, table, index))
            if consume:
                rows[index] = None
    if problems:
        raise TransferError(f"This export cannot be imported: {describe_problems(problems)}.")
    document = ExportDocument.model_construct(**dict(header), **tables)  # every part validated above
    check_unique("sessions", (s.uid for s in document.sessions))
    check_unique("turns", (t.uid for t in document.turns))
    check_unique("generator_runs", (r.uid for r in document.generator_runs))
    check_unique("lesson_progress", (p.lesson_slug for p in document.lesson_progress))
    session_uids = {s.uid for s in document.sessions}
    for index, turn in enumerate(document.turns):
        if turn.session_uid is not None and turn.session_uid not in session_uids:
            raise TransferError(f"turns[{index}].session_uid: no session with uid {turn.session_uid!r} "
                                "in this file.")
    return document


# -- reading a file ----------------------------------------------------------------------------------


def declared_size(stream: BinaryIO) -> int | None:
    """The size a file-like object reports (an upload's `.size`, a real file's length), if any."""
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def too_big(size: int | None = None) -> TransferError:
    limit = MAX_IMPORT_BYTES / 1024**2
    got = f" ({size / 1024**2:,.1f} MB)" if size else ""
    return TransferError(f"This file is too large to import{got}: the limit is {limit:,.0f} MB.")


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to `limit + 1` bytes, so that one byte more than the limit says the file is too large."""
    chunks, total = [], 0
    while total <= limit:
        chunk = stream.read(min(1024**2, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk if isinstance(chunk, bytes) else bytes(chunk))
        total += len(chunk)
    return b"".join(chunks)


JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def count_values(text: str) -> int:
    """At least as many as the JSON values in `text` (objects, arrays, strings, numbers...), counted without
    parsing: what parsing would build is bounded before it starts."""
    bare = JSON_STRING.sub("0", text)  # a string is one value, whatever it holds
    return bare.count(",") + bare.count("[") + bare.count("{") + 1


def decoded(raw: bytes) -> str:
    if not raw.strip():
        raise TransferError("This file is empty.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TransferError(f"This file is not UTF-8 text (a stray byte at position {error.start}); "
                            "is it really a Closer Gym export?") from None


def parse_json(text: str) -> object:
    if count_values(text) > MAX_JSON_VALUES:
        raise TransferError(f"This file holds far more entries than a Closer Gym export of its size (over "
                            f"{MAX_JSON_VALUES:,}), so it was not read further.")

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not allowed")

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as error:
        # Input that runs out mid-value fails at its very end, or inside a string that never closes.
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise TransferError("This file stops in the middle of the data: it looks truncated. "
                                "Export it again and import the whole file.") from None
        if error.pos == len(text) - len(text.lstrip()):  # its first character: not JSON at all
            raise TransferError("This file is not a Closer Gym export: an export is the JSON file that Settings → "
                                f"Your data → Everything (JSON) downloads (this one is not valid JSON: {error.msg}, line "
                                f"{error.lineno}, column {error.colno}).") from None
        raise TransferError(f"This file is not valid JSON: {error.msg} (line {error.lineno}, "
                            f"column {error.colno}). Was it edited by hand? Export it again.") from None
    except RecursionError:
        raise TransferError("This file nests too deeply to be a Closer Gym export.") from None
    except ValueError as error:
        if "integer string conversion" in str(error):  # Python's own guard against a million-digit number
            raise TransferError("This file holds a number thousands of digits long: no Closer Gym export does. "
                                "Was it edited by hand? Export it again.") from None
        raise TransferError(f"This file is not valid JSON ({error}).") from None


def import_text(raw: bytes | BinaryIO) -> str:
    """The file's text, size-checked before anything else: a file-like object that reports its size (an
    upload, an open file) is refused before any reading; otherwise at most one byte more than the limit
    is read."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        if len(raw) > MAX_IMPORT_BYTES:
            raise too_big(len(raw))
        return decoded(bytes(raw))
    size = declared_size(raw)
    if size is not None and size > MAX_IMPORT_BYTES:
        raise too_big(size)
    data = read_at_most(raw, MAX_IMPORT_BYTES)
    if len(data) > MAX_IMPORT_BYTES:
        raise too_big()
    return decoded(data)


def read_import_file(raw: bytes | BinaryIO) -> ExportDocument:
    """Read, size-check, decode and validate an export, or raise `TransferError`. The file's bytes, its text
    and its parsed rows are each let go as soon as the next form exists, so a full-size file is held about
    once at a time."""
    data = parse_json(import_text(raw))
    return validate_document(data, consume=True)  # the parsed file is ours alone


# -- export ------------------------------------------------------------------------------------------


def select_list(columns: Iterable[str], *, alias: str = "") -> str:
    """Columns to select; stored JSON goes through SQLite's json(), which checks and minifies it."""
    def one(column: str) -> str:
        if column == "session_uid":
            return "s.uid AS session_uid"
        if column in JSON_TEXT_COLUMNS:
            return f"json(coalesce(nullif({alias}{column}, ''), '{{}}')) AS {column}"
        return f"{alias}{column}"

    return ", ".join(one(column) for column in columns)


EXPORT_QUERIES = {
    "sessions": f"SELECT {select_list(SESSION_COLUMNS)} FROM sessions WHERE trainee_id = :t "
                "ORDER BY started_at, id",
    "turns": f"SELECT {select_list(TURN_COLUMNS, alias='t.')} FROM turns t LEFT JOIN sessions s "
             "ON s.id = t.session_id WHERE t.trainee_id = :t ORDER BY t.created_at, t.id",
    "lesson_progress": f"SELECT {select_list(LESSON_COLUMNS)} FROM lesson_progress WHERE trainee_id = :t "
                       "ORDER BY read_at, lesson_slug",
    "generator_runs": f"SELECT {select_list(RUN_COLUMNS)} FROM generator_runs WHERE trainee_id = :t "
                      "ORDER BY created_at, id",
}


def trainee_or_error(db: Database, trainee_id: int) -> dict:
    trainee = store.get_trainee(db, trainee_id)
    if trainee is None:
        raise TransferError(f"There is no trainee with id {trainee_id} in this database.")
    return trainee


def export_header(db: Database, trainee_id: int) -> dict:
    trainee = trainee_or_error(db, trainee_id)
    return {"format": FORMAT, "version": VERSION, "exported_at": store.now(), "trainee": {"name": trainee["name"]}}


def export_trainee(db: Database, trainee_id: int) -> dict:
    """Everything one trainee did, as a versioned document with no internal ids (see module docstring)."""
    document = export_header(db, trainee_id)
    for key, sql in EXPORT_QUERIES.items():
        rows = db.query(sql, {"t": trainee_id})
        document[key] = [{k: json.loads(v) if k in JSON_TEXT_COLUMNS else v for k, v in row.items()}
                         for row in rows]
    return document


def row_json(row: dict) -> str:
    """One row as JSON, its stored JSON columns appended as they are rather than decoded and encoded
    again (that round trip was four fifths of the time of a large export)."""
    plain = {k: v for k, v in row.items() if k not in JSON_TEXT_COLUMNS}
    text = json.dumps(plain, ensure_ascii=False, allow_nan=False)
    stored = "".join(f', "{k}": {v}' for k, v in row.items() if k in JSON_TEXT_COLUMNS)
    return text[:-1] + stored + "}" if stored else text


def export_json(db: Database, trainee_id: int) -> bytes:
    """`export_trainee` as UTF-8 JSON, built row by row."""
    header = json.dumps(export_header(db, trainee_id), ensure_ascii=False)
    parts = [header[:-1]]
    for key, sql in EXPORT_QUERIES.items():
        rows = ", ".join(row_json(row) for row in db.query(sql, {"t": trainee_id}))
        parts.append(f', "{key}": [{rows}]')
    parts.append("}")
    return "".join(parts).encode("utf-8")


def csv_delimiter(header_line: str, required: tuple[str, ...] = ("objection", "rebuttal")) -> str:
    """The separator (',', ';', tab or '|': spreadsheets vary by country) that splits `header_line` into
    columns including all of `required`, read case- and space-insensitively; ',' when none does."""
    for delimiter in ",;\t|":
        header = {name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter))}
        if set(required) <= header:
            return delimiter
    return ","


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def turns_csv(db: Database, trainee_id: int) -> bytes:
    """One row per graded turn, oldest first, as UTF-8 CSV with a BOM (so spreadsheets read accents)."""
    trainee_or_error(db, trainee_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = db.query(f"SELECT {', '.join(CSV_COLUMNS)} FROM turns WHERE trainee_id = ? "
                    "ORDER BY created_at, id", [trainee_id])
    for row in rows:
        writer.writerow([spreadsheet_safe(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def export_bytes(db_path: Path | str, trainee_id: int, *, kind: Literal["json", "csv"]) -> bytes:
    """An export on a connection of its own, for callers on another thread (a download callback)."""
    db = store.open_db(db_path, create_folder=False)
    try:
        return export_json(db, trainee_id) if kind == "json" else turns_csv(db, trainee_id)
    finally:
        db.close()


def export_file_name(name: str, *, extension: str, today: str | None = None) -> str:
    """'closergym-sam-2025-01-31.json': ASCII only, so every browser and OS accepts it."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "trainee"
    return f"closergym-{stem}-{today or store.now()[:10]}.{extension}"


# -- import ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows added, and rows that were already there (matched by uid)."""

    trainee: str
    trainee_created: bool
    added: dict[str, int] = field(default_factory=dict)
    already_there: dict[str, int] = field(default_factory=dict)
    access_code: str | None = field(default=None, repr=False)  # a new private profile's code, shown once

    @staticmethod
    def counts(numbers: dict[str, int]) -> str:
        parts = [f"{n:,} {TABLE_LABELS[t][n != 1]}" for t, n in numbers.items() if n]
        return ", ".join(parts) or "nothing"

    def summary(self) -> str:
        who = f"{self.trainee} (new trainee)" if self.trainee_created else self.trainee
        code = f" Its access code is {self.access_code}: keep it, it opens that profile." if self.access_code else ""
        return (f"Imported into {who}: added {self.counts(self.added)}; "
                f"already there: {self.counts(self.already_there)}.{code}")


def existing_uids(db: Database, table: str, uids: list[str]) -> dict[str, dict]:
    rows = db.query(f"SELECT uid, id, trainee_id FROM {table} WHERE uid IN (SELECT value FROM json_each(?))",
                    [json.dumps(uids)])
    return {row["uid"]: row for row in rows}


def own_uid(uid: str, trainee: dict) -> str:
    """The uid a row takes when its own belongs to another trainee here (a file imported as someone else
    into the same database): derived from both, so importing the same file again finds it."""
    return hashlib.sha256(f"{trainee['name_key']}\x00{uid}".encode()).hexdigest()[:16]


def new_rows(db: Database, table: str, rows: list[Keyed], trainee: dict) -> tuple[dict[str, str], list]:
    """Each file uid's uid here (its own, or `own_uid` when another trainee holds it), and the rows
    not yet in `table` as (uid here, row)."""
    found = existing_uids(db, table, [row.uid for row in rows])
    local = {row.uid: own_uid(row.uid, trainee) if row.uid in found and found[row.uid]["trainee_id"] != trainee["id"]
             else row.uid for row in rows}
    found.update(existing_uids(db, table, [mine for theirs, mine in local.items() if mine != theirs]))
    for index, row in enumerate(rows):
        holder = found.get(local[row.uid])
        if holder and holder["trainee_id"] != trainee["id"]:  # only a 64-bit hash collision gets here
            raise TransferError(f"{table}[{index}].uid: {row.uid!r} clashes with another trainee's row here.")
    return local, [(local[row.uid], row) for row in rows if local[row.uid] not in found]


def encoded(row: BaseModel, columns: Iterable[str], **override: object) -> list:
    values = row.model_dump(exclude_unset=True) | override  # a grade or state stored as it came, without defaults
    return [json.dumps(values[c], ensure_ascii=False) if c in JSON_TEXT_COLUMNS else values[c] for c in columns]


def merge(db: Database, document: ExportDocument, trainee: dict) -> dict[str, int]:
    """Insert what is new; return how many rows of each kind were added."""
    tid = trainee["id"]
    session_uids, sessions = new_rows(db, "sessions", list(document.sessions), trainee)
    _, turns = new_rows(db, "turns", list(document.turns), trainee)
    _, runs = new_rows(db, "generator_runs", list(document.generator_runs), trainee)
    added = {"sessions": store.insert_rows(db, "sessions", ("trainee_id", *SESSION_COLUMNS),
                                     [[tid, *encoded(s, SESSION_COLUMNS, uid=uid)] for uid, s in sessions])}
    here = existing_uids(db, "sessions", list(session_uids.values()))
    session_ids = {theirs: here[mine]["id"] for theirs, mine in session_uids.items()}
    turn_columns = tuple(c for c in TURN_COLUMNS if c != "session_uid")
    added["turns"] = store.insert_rows(db, "turns", ("trainee_id", "session_id", *turn_columns), [
        [tid, session_ids.get(t.session_uid), *encoded(t, turn_columns, uid=uid)] for uid, t in turns])
    added["lesson_progress"] = store.insert_rows(db, "lesson_progress", ("trainee_id", *LESSON_COLUMNS),
                                           [[tid, *encoded(p, LESSON_COLUMNS)] for p in document.lesson_progress],
                                           verb="INSERT OR IGNORE")
    added["generator_runs"] = store.insert_rows(db, "generator_runs", ("trainee_id", *RUN_COLUMNS),
                                          [[tid, *encoded(r, RUN_COLUMNS, uid=uid)] for uid, r in runs])
    return added


def target_name(document: ExportDocument, as_trainee: str | None) -> str:
    try:
        return store.clean_trainee_name(as_trainee if as_trainee is not None else document.trainee.name)
    except ValueError as error:
        where_from = "The name to import as" if as_trainee is not None else "trainee.name"
        raise TransferError(f"{where_from}: {error}") from None


def import_document(db: Database, data: dict | ExportDocument, *, as_trainee: str | None = None,
                    access_code: str | None = None, owner_id: int | None = None,
                    private: bool = False) -> ImportReport:
    """Merge an export into the database, as `as_trainee` or under the name in the file (created if
    missing, with a new access code when `private`), in one transaction. Raises `TransferError` (and
    changes nothing) on any problem.

    Nobody writes into someone else's private profile: an existing profile with an access code takes the
    import only with that code, or when it is `owner_id` (the profile the caller has already opened). From a
    browser (`owner_id` given), a profile without a code takes nothing either: the browser cannot open it."""
    document = data if isinstance(data, ExportDocument) else validate_document(data)
    name = target_name(document, as_trainee)
    with store.write_transaction(db):
        trainee = store.get_trainee_by_name(db, name)
        opens = store.check_access if owner_id is None else store.opens  # the command line, or a browser
        if trainee and trainee["id"] != owner_id and not opens(trainee, access_code):
            raise TransferError(f"“{trainee['name']}” is someone's private profile: importing into it needs its "
                                "access code. Import it as yourself instead, or under another name.")
        created = trainee is None
        try:
            trainee = trainee or store.create_trainee(db, name, private=private)
        except ValueError as error:  # a name kept for demo data
            raise TransferError(str(error)) from None
        added = merge(db, document, trainee)
    totals = {"sessions": len(document.sessions), "turns": len(document.turns),
              "lesson_progress": len(document.lesson_progress), "generator_runs": len(document.generator_runs)}
    return ImportReport(trainee["name"], created, added, {k: totals[k] - added[k] for k in totals},
                        access_code=trainee.get("access_code") if created else None)
