"""Demo data: a realistic cohort with weeks of history, clearly marked and removable in one step.

Every demo row belongs to a trainee with `is_demo = 1` (names start with "Demo ·") in a cohort with
`is_demo = 1`, so an instructor can show every chart live and then remove it all without touching
real trainees. Rebuttals are the library's own model lines, graded by the real grader.
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from closergym import cohorts, store
from closergym.content import TIERS, Library, library
from closergym.grading import grade_rebuttal

DEMO_PREFIX = store.DEMO_PREFIX  # reserved: nobody can create a trainee with a name that starts so
DEMO_NAMES = ("Alex", "Bea", "Chidi", "Dana", "Eli", "Fatima", "Gus", "Hana")
DEPENDENT_TABLES = ("turns", "sessions", "lesson_progress", "generator_runs", "cohort_members",
                    "objection_cards", "turn_days")


def create_demo_cohort(db: Database, *, weeks: int = 6, seed: int = 7, lib: Library | None = None,
                       now: datetime | None = None) -> dict:
    """A demo cohort of eight trainees with `weeks` of practice that improves over time."""
    lib = lib or library()
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    slugs = sorted(lib.objections)
    grades = {(slug, tier): grade_rebuttal(o.title, o.rebuttal(tier).text, objection_slug=slug, lib=lib)
              for slug, o in lib.objections.items() for tier in TIERS}
    stored = {key: json.dumps(grade.to_dict(), ensure_ascii=False) for key, grade in grades.items()}  # as turns keep it
    turns = 0
    with store.write_transaction(db):  # all or nothing: never a cohort without its trainees
        _remove_demo_rows(db)
        cohort = cohorts.create_cohort(db, "Demo cohort", is_demo=True)
        prefix = store.name_key(DEMO_PREFIX)
        taken = {row["name_key"] for row in db.query(  # real trainees made before the prefix was reserved
            "SELECT name_key FROM trainees WHERE is_demo = 0 AND substr(name_key, 1, ?) = ?", [len(prefix), prefix])}
        for number, first_name in enumerate(DEMO_NAMES):
            name = _free_name(first_name, taken)
            skill = 0.25 + 0.08 * number  # some trainees start stronger than others
            joined = _stamp(now - timedelta(weeks=weeks))
            trainee_id = store.create_demo_trainee(db, name, created_at=joined, show_on_leaderboard=number % 3 == 0)
            store.add_cohort_member(db, cohort["id"], trainee_id, joined_at=joined)
            for day in range(weeks * 7, 0, -1):
                if rng.random() > 0.55:
                    continue
                progress = 1 - day / (weeks * 7)
                moment = _stamp(now - timedelta(days=day, hours=rng.randint(0, 8)))
                slug = rng.choice(slugs)
                session = store.create_session(
                    db, trainee_id=trainee_id, kind="sparring", objection_slug=slug,
                    difficulty=rng.choice(("easy", "normal", "hard")), seed=rng.randrange(10**6), status="complete",
                    outcome=rng.choice(("advanced", "stalled", "lost")), state={}, started_at=moment,
                    updated_at=moment, ended_at=moment)
                for round_number in (1, 2, 3):
                    roll = rng.random() + skill * 0.6 + progress * 0.5
                    tier = "elite" if roll > 1.25 else "strong" if roll > 0.75 else "weak"
                    grade = grades[(slug, tier)]
                    store.save_turn(db, {
                        "session_id": session["id"], "trainee_id": trainee_id, "source": "sparring",
                        "round": round_number, "objection_slug": slug, "prompt": lib.objections[slug].lines[0],
                        "rebuttal": lib.objections[slug].rebuttal(tier).text, "tier": grade.tier,
                        "score": grade.score, **grade.points, "grade": stored[(slug, tier)], "reply": "",
                        "engine": "builtin",
                        "created_at": _stamp(datetime.fromisoformat(moment) + timedelta(minutes=2 * round_number))})
                    turns += 1
    return {**cohort, "turns": turns, "trainees": len(DEMO_NAMES)}


def remove_demo_data(db: Database) -> int:
    """Delete every demo trainee, their data and the demo cohorts; return how many trainees went."""
    with store.write_transaction(db):
        return _remove_demo_rows(db)


def _free_name(first_name: str, taken: set[str]) -> str:
    """"Demo · Alex", or "Demo · Alex 2" (and so on) when a real trainee already holds that name."""
    for number in itertools.count(1):
        name = f"{DEMO_PREFIX}{first_name}{f' {number}' if number > 1 else ''}"
        if store.name_key(name) not in taken:
            return name


def _remove_demo_rows(db: Database) -> int:
    """`remove_demo_data`'s deletes, inside the caller's transaction."""
    tables = set(db.table_names())
    ids = [row["id"] for row in db.query("SELECT id FROM trainees WHERE is_demo = 1")]
    if ids:
        marks = ", ".join("?" for _ in ids)
        for table in DEPENDENT_TABLES:
            if table in tables:
                db.execute(f"DELETE FROM {table} WHERE trainee_id IN ({marks})", ids)
        db.execute(f"DELETE FROM trainees WHERE id IN ({marks})", ids)
    db.execute("DELETE FROM cohort_members WHERE cohort_id IN (SELECT id FROM cohorts WHERE is_demo = 1)")
    db.execute("DELETE FROM cohorts WHERE is_demo = 1")
    return len(ids)


def has_demo_data(db: Database) -> bool:
    return bool(next(db.query("SELECT 1 FROM cohorts WHERE is_demo = 1 LIMIT 1"), None))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
