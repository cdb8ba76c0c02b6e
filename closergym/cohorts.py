"""Bootcamp mode: the instructor role, cohorts with join codes, the cohort dashboard, batch grading.

Privacy is the default: a trainee's data is read only through their own trainee id, and the cohort
dashboard shows aggregates plus a leaderboard that is anonymous unless a trainee opts in. The
instructor passcode is compared in constant time, never stored, and wrong attempts are limited (`limits`).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from sqlite_utils import Database

from closergym import store
from closergym.content import MOVES, Library, library, unicode_text
from closergym.grading import MAX_REBUTTAL, grade_rebuttal
from closergym.llm import OWN_LLM_ENGINE
from closergym.tracks import not_a_scenario
from closergym.transfer import csv_delimiter, spreadsheet_safe

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read off a projector
MAX_COHORT_NAME = 60
MAX_BATCH_BYTES = 2 * 1024 * 1024
MAX_BATCH_ROWS = 2000


class CohortError(ValueError):
    """A problem the user can fix; the message says what."""


# -- the instructor role ---------------------------------------------------------------------------


def passcode_matches(expected: str, given: str) -> bool:
    """Whether `given` is the instructor passcode, compared in constant time (no passcode set: nobody's is).
    The sign-in runs it through `limits.PASSCODE`, which limits wrong tries per browser session and for the
    whole process, never per address."""
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode())


def is_instructor_email(email: str | None, instructors: tuple[str, ...]) -> bool:
    return bool(email) and email.strip().casefold() in {e.strip().casefold() for e in instructors}


# A passcode sign-in is kept as a token in the page's address (as a trainee's profile is), so a reload keeps
# it. The token is signed with a key made from the passcode (a new passcode ends every sign-in), names the
# browser it was made for (a token read off a projected address bar opens nothing elsewhere), expires, and
# is recorded when its holder signs out. It never carries the passcode.
SIGN_IN_HOURS = 12  # a class day; closing the browser ends it sooner (the browser's id is a session cookie)


def _token_mac(passcode: str, body: str, browser: str) -> str:
    key = hmac.new(passcode.encode(), b"closergym instructor sign-in", hashlib.sha256).digest()
    digest = hmac.new(key, f"{body}|{browser}".encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def sign_in_token(passcode: str, *, browser: str, now: int) -> str:
    """A signed instructor token for this `browser` (an id of the browser, or "" when it has none), valid for
    `SIGN_IN_HOURS` from `now` (seconds since the epoch)."""
    body = f"{secrets.token_urlsafe(9)}.{now + SIGN_IN_HOURS * 3600:x}"
    return f"{body}.{_token_mac(passcode, body, browser)}"


def token_parts(token: str) -> tuple[str, int] | None:
    """The nonce and expiry (seconds) of a well-formed token, else None."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not re.fullmatch(r"[A-Za-z0-9_-]{12}", parts[0]) or not re.fullmatch(r"[0-9a-f]{1,12}", parts[1]):
        return None
    return parts[0], int(parts[1], 16)


def token_holds(db: Database, passcode: str, token: str | None, *, browser: str, now: int) -> bool:
    """Whether `token` still signs an instructor in, in this browser: made with this passcode for this
    browser, not expired, not signed out. Checked on every run of a page."""
    parts = token_parts(token or "")
    if not passcode or parts is None:
        return False
    nonce, until = parts
    body = token.rsplit(".", 1)[0]
    if not hmac.compare_digest(token.rsplit(".", 1)[1], _token_mac(passcode, body, browser)) or until < now:
        return False
    return not store.instructor_signed_out(db, nonce)


def sign_out(db: Database, token: str | None, *, now: int) -> None:
    """End an instructor token for good (the address it is in, or a page open elsewhere, opens nothing)."""
    parts = token_parts(token or "")
    if parts:
        store.sign_out_instructor(db, parts[0], until=parts[1], now_seconds=now)


# -- cohorts -----------------------------------------------------------------------------------------


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(6))


def clean_cohort_name(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in name):
        raise CohortError("A cohort name cannot contain control characters.")
    if not name:
        raise CohortError("Give the cohort a name.")
    if len(name) > MAX_COHORT_NAME:
        raise CohortError(f"Keep the cohort name to {MAX_COHORT_NAME} characters.")
    return name


def create_cohort(db: Database, name: str, *, is_demo: bool = False) -> dict:
    name = clean_cohort_name(name)
    for _ in range(10):
        code = new_join_code()
        if not next(db.query("SELECT 1 FROM cohorts WHERE join_code = ?", [code]), None):
            break
    store.add_cohort(db, name=name, join_code=code, is_demo=is_demo)
    return cohort_by_code(db, code)


def typed_join_code(text: str) -> str:
    """What a trainee typed or pasted as a join code: the code itself, or a whole join link (its `cohort=`)."""
    text = (text or "")[:2000]
    linked = re.search(r"[?&]cohort=([A-Za-z0-9]+)", text)
    return linked.group(1).upper() if linked else "".join(text.split()).upper()


def cohort_by_code(db: Database, code: str) -> dict | None:
    code = "".join((code or "").split()).upper()
    if not code or len(code) > 12:
        return None
    return next(db.query("SELECT * FROM cohorts WHERE join_code = ?", [code]), None)


def list_cohorts(db: Database) -> list[dict]:
    return list(db.query("""SELECT c.*, (SELECT count(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS members
                            FROM cohorts c ORDER BY c.created_at DESC"""))


LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]")


def join_link(base_url: str, code: str) -> str:
    """A cohort's join link: the Join page at `base_url` (the app's public address), with the cohort's code."""
    return f"{base_url.rstrip('/')}/join?cohort={code}"


def only_this_computer(base_url: str) -> bool:
    """Whether a link at `base_url` opens only on the computer serving it (localhost, 127.0.0.1)."""
    host = (urlsplit(base_url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def join_cohort(db: Database, trainee_id: int, code: str) -> dict:
    cohort = cohort_by_code(db, code)
    if cohort is None:
        raise CohortError("That join code does not match any cohort. Check it with your instructor.")
    store.add_cohort_member(db, cohort["id"], trainee_id)
    return cohort


def trainee_cohorts(db: Database, trainee_id: int) -> list[dict]:
    return list(db.query("""SELECT c.id, c.name FROM cohorts c JOIN cohort_members m ON m.cohort_id = c.id
                            WHERE m.trainee_id = ? ORDER BY c.name""", [trainee_id]))


def set_leaderboard_opt_in(db: Database, trainee_id: int, show_name: bool) -> None:
    store.set_show_on_leaderboard(db, trainee_id, show_name)


# -- the dashboard (instructors only: the page checks the role before calling these) ----------------


def members(db: Database, cohort_id: int, *, since: str) -> list[dict]:
    """One row per member: activity (all time and since `since`), the average score and elite rate of the
    period, last practice. Names only for opt-ins."""
    rows = db.query(
        """SELECT t.id, t.name, t.show_on_leaderboard, m.joined_at,
                  count(u.id) AS turns, sum(u.created_at >= :since) AS turns_recent,
                  round(avg(CASE WHEN u.created_at >= :since THEN u.score END), 1) AS average,
                  round(avg(CASE WHEN u.created_at >= :since THEN u.tier = 'elite' END) * 100, 0) AS elite_rate,
                  max(u.created_at) AS last_practice
           FROM cohort_members m JOIN trainees t ON t.id = m.trainee_id
           LEFT JOIN turns u ON u.trainee_id = t.id AND u.engine != :private
           WHERE m.cohort_id = :cohort GROUP BY t.id ORDER BY t.name_key""",
        {"cohort": cohort_id, "since": since, "private": OWN_LLM_ENGINE})
    return [dict(row, turns_recent=row["turns_recent"] or 0) for row in rows]


def weakest_objections(db: Database, cohort_id: int, *, since: str, limit: int = 5) -> list[dict]:
    return list(db.query(
        f"""SELECT u.objection_slug AS objection, count(*) AS attempts, round(avg(u.score), 1) AS average,
                  {", ".join(f"round(avg(u.{m}), 2) AS {m}" for m in MOVES)}
           FROM turns u JOIN cohort_members m ON m.trainee_id = u.trainee_id
           WHERE m.cohort_id = ? AND u.created_at >= ? AND u.objection_slug IS NOT NULL AND u.engine != ?
           GROUP BY u.objection_slug ORDER BY average ASC LIMIT ?""", [cohort_id, since, OWN_LLM_ENGINE, limit]))


def weakest_moves(db: Database, cohort_id: int, *, since: str) -> list[dict]:
    row = next(db.query(
        f"""SELECT count(*) AS attempts, {", ".join(f"avg(u.{m}) AS {m}" for m in MOVES)}
           FROM turns u JOIN cohort_members m ON m.trainee_id = u.trainee_id
           WHERE m.cohort_id = ? AND u.created_at >= ? AND u.engine != ?""", [cohort_id, since, OWN_LLM_ENGINE]))
    if not row["attempts"]:
        return []
    return sorted(({"move": m, "average": round(row[m] or 0, 2)} for m in MOVES), key=lambda r: r["average"])


def _week(column: str) -> str:
    return f"date({column}, '-6 days', 'weekday 1')"  # the Monday on or before it


def tier_mix(db: Database, cohort_id: int, *, since: str) -> list[dict]:
    """How many of the class's answers were weak, strong and elite, week by week (weeks start on Monday)."""
    return list(db.query(
        f"""SELECT {_week("u.created_at")} AS week, u.tier AS tier, count(*) AS answers
           FROM turns u JOIN cohort_members m ON m.trainee_id = u.trainee_id
           WHERE m.cohort_id = ? AND u.created_at >= ? AND u.engine != ? AND u.tier IN ('weak', 'strong', 'elite')
           GROUP BY week, u.tier ORDER BY week""", [cohort_id, since, OWN_LLM_ENGINE]))


def move_trend(db: Database, cohort_id: int, *, since: str) -> list[dict]:
    """The class's average points (0-2) on each move, week by week: where the weakest moves are going. Closing
    and psychology scenarios are graded on their own steps, not these four moves, so they are left out."""
    rows = db.query(
        f"""SELECT {_week("u.created_at")} AS week, {", ".join(f"avg(u.{m}) AS {m}" for m in MOVES)}
           FROM turns u JOIN cohort_members m ON m.trainee_id = u.trainee_id
           WHERE m.cohort_id = ? AND u.created_at >= ? AND u.engine != ? AND {not_a_scenario("u.objection_slug")}
           GROUP BY week ORDER BY week""", [cohort_id, since, OWN_LLM_ENGINE])
    return [{"week": row["week"], "move": m, "average": round(row[m] or 0, 2)} for row in rows for m in MOVES]


def leaderboard(rows: list[dict]) -> list[dict]:
    """Members who practised in the period, by its average score; anonymous unless they opted in."""
    ranked = sorted((r for r in rows if r["turns_recent"]), key=lambda r: (-(r["average"] or 0), -r["turns_recent"]))
    return [{"rank": number, "name": r["name"] if r["show_on_leaderboard"] else f"Trainee {number}",
             "average": r["average"], "elite_rate": r["elite_rate"], "rebuttals": r["turns_recent"]}
            for number, r in enumerate(ranked, start=1)]


# -- batch grading ------------------------------------------------------------------------------------


# What a class exercise may call the column naming who wrote each answer, most likely first (compared
# lower-cased, with `_` and `-` read as spaces; "<any of these> name" and "<any of these> id" count too).
TRAINEE_COLUMNS = ("trainee", "student", "name", "rep", "sales rep", "learner", "participant", "attendee", "member",
                   "person", "author", "agent", "seller", "salesperson", "employee", "user", "username", "full name",
                   "first name", "email", "e mail", "who")


# The other names an exercise may give its two graded columns (compared as TRAINEE_COLUMNS are).
COLUMN_NAMES = {"objection": ("objection", "objection text", "the objection", "prompt", "objections"),
                "rebuttal": ("rebuttal", "answer", "response", "reply", "rebuttal text", "their answer", "your answer",
                             "rebuttals", "answers", "responses")}


def _with_known_names(header: list[str]) -> list[str]:
    """`header` with the first column known by another name for objection or rebuttal renamed to it."""
    header = list(header)
    for wanted, names in COLUMN_NAMES.items():
        if wanted in header:
            continue
        keys = [_column_key(name) for name in header]
        found = next((keys.index(name) for name in names if name in keys), None)
        if found is not None:
            header[found] = wanted
    return header


def _column_key(name: str) -> str:
    return " ".join(re.sub(r"[_\-.]+", " ", name.casefold()).split())


def trainee_column(header: list[str]) -> str | None:
    """The column of `header` that names the trainee (see TRAINEE_COLUMNS), or None when none looks like it."""
    keys = {_column_key(name): name for name in reversed(header) if name}
    for known in TRAINEE_COLUMNS:
        for suffix in ("", " name", " id"):
            if f"{known}{suffix}" in keys:
                return keys[f"{known}{suffix}"]
    return None


def graded_file_name(upload_name: str | None) -> str:
    """The graded table's file name, after the uploaded one: `week3-answers.csv` -> `week3-answers-graded.csv`."""
    stem = PurePath((upload_name or "").replace("\\", "/")).name
    stem = stem[:-4] if stem.lower().endswith(".csv") else stem
    stem = "-".join(re.sub(r"[^\w.-]+", " ", stem).split()).strip(".-")[:80]
    return f"{stem or 'class-exercise'}-graded.csv"


@dataclass(frozen=True)
class BatchResult:
    rows: list[dict]
    skipped: list[str]
    columns: tuple[str, ...] = ()  # the upload's columns, as read (trimmed, lower-cased)
    trainee_column: str | None = None  # the one read as the trainee's name, if any

    def to_csv(self) -> bytes:
        out = io.StringIO()
        fields = ["row", "tier", "score", "trainee", "objection", "rebuttal", *MOVES, "red_flags", "feedback"]
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()} for row in self.rows)
        return out.getvalue().encode("utf-8")


def class_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a class exercise's CSV (columns objection and rebuttal, and any others such as trainee or
    id), numbered from 1 after the header, with the column names trimmed and lower-cased and the cells as
    they are; blank rows are passed over. The separator is found from the header (`,` `;` tab or `|`). Raises `CohortError` saying
    what is wrong with the file. The one reader of such a file, for the Instructor page and the command line."""
    return class_table(text)[1]


def class_table(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """`class_rows`, with the header (trimmed, lower-cased) read first."""
    if not text.strip():
        raise CohortError("The CSV is empty: it needs a header row with the columns objection and rebuttal.")
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=csv_delimiter(lines[0]), strict=True)  # strict: an unclosed quote is an error
    rows = []
    try:
        written = [name.strip().lower() for name in next(reader)]
        header = _with_known_names(written)
        missing = {"objection", "rebuttal"} - set(header)
        if missing:
            raise CohortError(f"The CSV needs the columns objection and rebuttal (missing: {', '.join(sorted(missing))}; "
                              "an answer column may also be called answer, response or reply). "
                              f"Found: {', '.join(sorted(name for name in written if name)) or 'no header'}.")
        for number, values in enumerate(reader, start=1):
            if any(value.strip() for value in values):
                rows.append((number, dict(zip(header, values, strict=False))))
    except csv.Error as error:
        raise CohortError(f"The CSV is not readable near row {max(reader.line_num - 1, 0)} ({error}).") from None
    return header, rows


KNOWN_COLUMN = object()  # grade_csv's default: the trainee column is found by its name (`trainee_column`)


def grade_csv(raw: bytes, *, lib: Library | None = None, trainee: str | None | object = KNOWN_COLUMN) -> BatchResult:
    """Grade a class exercise: a CSV with columns objection and rebuttal, and optionally one naming the trainee
    (found by its name, or the column `trainee` names; None: no trainee column)."""
    lib = lib or library()
    if len(raw) > MAX_BATCH_BYTES:
        raise CohortError(f"That file is {len(raw) / 1024 / 1024:.1f} MB; the limit is "
                          f"{MAX_BATCH_BYTES // 1024 // 1024} MB ({MAX_BATCH_ROWS:,} rows).")
    try:
        text = unicode_text(raw)
    except UnicodeDecodeError:
        raise CohortError("That file is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again.") from None
    rows, skipped = [], []
    header, table = class_table(text)
    column = trainee_column(header) if trainee is KNOWN_COLUMN else trainee
    if column is not None and column not in header:
        raise CohortError(f"The CSV has no column {column!r}.")
    if table and table[-1][0] > MAX_BATCH_ROWS:  # refused before any row is graded
        raise CohortError(f"That file has {table[-1][0]:,} rows; keep a batch to {MAX_BATCH_ROWS:,}.")
    for number, cells in table:
        row = {name: value.strip() for name, value in cells.items()}
        rebuttal = row.get("rebuttal", "")
        if not rebuttal or len(rebuttal) > MAX_REBUTTAL:
            skipped.append(f"row {number}: " + ("empty rebuttal" if not rebuttal else "rebuttal too long"))
            continue
        grade = grade_rebuttal(row.get("objection", ""), rebuttal, lib=lib)
        rows.append({"row": number, "tier": grade.tier, "score": grade.score,
                     "trainee": row.get(column, "") if column else "", "objection": row.get("objection", ""),
                     "rebuttal": rebuttal, **grade.points,
                     "red_flags": " ".join(f.code for f in grade.red_flags),
                     "feedback": "; ".join(grade.feedback.start[:2])})
    if not rows and not skipped:
        raise CohortError("That CSV has a header but no rows to grade.")
    return BatchResult(rows, skipped, tuple(header), column)
