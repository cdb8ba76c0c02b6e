"""Bootcamp mode: the instructor role, cohorts with join codes, the cohort dashboard, batch grading.

Privacy is the default: a trainee's data is read only through their own trainee id, and the cohort
dashboard shows aggregates plus a leaderboard that is anonymous unless a trainee opts in. The
instructor passcode is compared in constant time, never stored, and wrong attempts are limited (`limits`).
"""

from __future__ import annotations

import csv
import hmac
import io
import secrets
import unicodedata
from dataclasses import dataclass

from sqlite_utils import Database

from closergym import store
from closergym.content import MOVES, Library, library
from closergym.grading import MAX_REBUTTAL, grade_rebuttal
from closergym.llm import OWN_LLM_ENGINE
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


def cohort_by_code(db: Database, code: str) -> dict | None:
    code = "".join((code or "").split()).upper()
    if not code or len(code) > 12:
        return None
    return next(db.query("SELECT * FROM cohorts WHERE join_code = ?", [code]), None)


def list_cohorts(db: Database) -> list[dict]:
    return list(db.query("""SELECT c.*, (SELECT count(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS members
                            FROM cohorts c ORDER BY c.created_at DESC"""))


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


def leaderboard(rows: list[dict]) -> list[dict]:
    """Members who practised in the period, by its average score; anonymous unless they opted in."""
    ranked = sorted((r for r in rows if r["turns_recent"]), key=lambda r: (-(r["average"] or 0), -r["turns_recent"]))
    return [{"rank": number, "name": r["name"] if r["show_on_leaderboard"] else f"Trainee {number}",
             "average": r["average"], "elite_rate": r["elite_rate"], "rebuttals": r["turns_recent"]}
            for number, r in enumerate(ranked, start=1)]


# -- batch grading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    rows: list[dict]
    skipped: list[str]

    def to_csv(self) -> bytes:
        out = io.StringIO()
        fields = ["row", "trainee", "objection", "rebuttal", "tier", "score", *MOVES, "red_flags", "feedback"]
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()} for row in self.rows)
        return out.getvalue().encode("utf-8")


def class_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a class exercise's CSV (columns objection and rebuttal, and any others such as trainee or
    id), numbered from 1 after the header, with the column names trimmed and lower-cased and the cells as
    they are; blank rows are passed over. The separator is found from the header (`,` `;` tab or `|`). Raises `CohortError` saying
    what is wrong with the file. The one reader of such a file, for the Instructor page and the command line."""
    if not text.strip():
        raise CohortError("The CSV is empty: it needs a header row with the columns objection and rebuttal.")
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=csv_delimiter(lines[0]), strict=True)  # strict: an unclosed quote is an error
    rows = []
    try:
        header = [name.strip().lower() for name in next(reader)]
        missing = {"objection", "rebuttal"} - set(header)
        if missing:
            raise CohortError(f"The CSV needs the columns objection and rebuttal (missing: {', '.join(sorted(missing))}). "
                              f"Found: {', '.join(sorted(name for name in header if name)) or 'no header'}.")
        for number, values in enumerate(reader, start=1):
            if any(value.strip() for value in values):
                rows.append((number, dict(zip(header, values, strict=False))))
    except csv.Error as error:
        raise CohortError(f"The CSV is not readable near row {max(reader.line_num - 1, 0)} ({error}).") from None
    return rows


def grade_csv(raw: bytes, *, lib: Library | None = None) -> BatchResult:
    """Grade a class exercise: a CSV with columns objection, rebuttal and optional trainee."""
    lib = lib or library()
    if len(raw) > MAX_BATCH_BYTES:
        raise CohortError(f"That file is {len(raw) / 1024 / 1024:.1f} MB; the limit is "
                          f"{MAX_BATCH_BYTES // 1024 // 1024} MB ({MAX_BATCH_ROWS:,} rows).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CohortError("That file is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again.") from None
    rows, skipped = [], []
    for number, cells in class_rows(text):
        if number > MAX_BATCH_ROWS:
            raise CohortError(f"Keep a batch to {MAX_BATCH_ROWS:,} rows.")
        row = {name: value.strip() for name, value in cells.items()}
        rebuttal = row.get("rebuttal", "")
        if not rebuttal or len(rebuttal) > MAX_REBUTTAL:
            skipped.append(f"row {number}: " + ("empty rebuttal" if not rebuttal else "rebuttal too long"))
            continue
        grade = grade_rebuttal(row.get("objection", ""), rebuttal, lib=lib)
        rows.append({"row": number, "trainee": row.get("trainee", ""), "objection": row.get("objection", ""),
                     "rebuttal": rebuttal, "tier": grade.tier, "score": grade.score, **grade.points,
                     "red_flags": " ".join(f.code for f in grade.red_flags),
                     "feedback": "; ".join(grade.feedback.start[:2])})
    if not rows and not skipped:
        raise CohortError("That CSV has a header but no rows to grade.")
    return BatchResult(rows, skipped)
