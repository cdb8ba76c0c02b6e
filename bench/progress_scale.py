"""Progress page at scale: how long the page takes with a year of heavy practice, against an empty database.

Seeds (once per run, in temp files) three databases:

- empty: one trainee, no turns (the page shows its friendly start);
- one trainee with 100,000 graded turns over ~1 year;
- 1,000,000 turns spread over 300 trainees (~3,300 each); the page is measured for one of them.

Turns are realistic in shape and size: sparring sessions of 1-3 rounds (plus second calls and lesson
drills without a session), objections weighted, scores that improve over the year with noise, tiers from
the score bands, move points that follow the score, and a real grade JSON (~1.7 KB) per turn, so table
scans cost what they would in use. Seeding uses `executemany` inside one transaction per database.

Then prints, for each database: the Progress page's script time through AppTest (median of a few runs,
default range and "All time"), each analytics query on its own, and `closergym.transfer.export_json`
if that module exists. Goal: the page under 1 s with 100,000 turns and within 3x of the empty database.
Figures only, no asserts.

    .venv/bin/python bench/progress_scale.py [--runs 5] [--skip-million] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from closergym import analytics, store  # noqa: E402
from closergym.content import MOVES, library  # noqa: E402
from closergym.grading import TIER_BANDS, grade_rebuttal  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app_pages/progress.py"
GOAL_S, GOAL_RATIO = 1.0, 3.0
SAMPLE_REBUTTALS = [
    "No problem, let me know!",
    "Ok sure, I'll email it over and follow up next month.",
    "I get it. But honestly everyone says that and then regrets waiting.",
    "That makes sense. What part of it is still on your mind: the cost or the timing?",
    "Fair enough. Is that the only thing stopping us, or is there something else?",
    "Totally fair. What would you need to see to be sure? Could we do 15 minutes Thursday?",
    "That's fair. Most teams like yours break even within four months. "
    "Could we take 15 minutes Thursday at 2 to look at your numbers together?",
    "I hear you, the price matters. What budget did you set aside? Teams like yours saved $4,000 a month "
    "in the first quarter. Could we look at it together Tuesday at 10?",
]
MOVE_WEAKNESS = {"acknowledge": 0.15, "clarify": 0.0, "respond": -0.1, "advance": -0.2}


def grade_pool() -> dict[str, list[str]]:
    """Real grade JSONs by tier, to give every seeded turn a realistic payload."""
    lib = library()
    pool: dict[str, list[str]] = {"weak": [], "strong": [], "elite": []}
    for slug, objection in lib.objections.items():
        for text in SAMPLE_REBUTTALS:
            grade = grade_rebuttal(objection.title, text, objection_slug=slug, lib=lib)
            pool[grade.tier].append(json.dumps(grade.to_dict(), ensure_ascii=False))
    return pool


TIER_OF_SCORE = [next(tier for tier, (low, high) in TIER_BANDS.items() if low <= score <= high)
                 for score in range(101)]


def stamp(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="milliseconds")


def trainee_turns(rng: random.Random, *, turns: int, days: int, end: datetime, objections: list[str],
                  weights: list[float]) -> list[tuple[datetime, str | None, str, int]]:
    """(created_at, session key, source, round) plans for one trainee, in time order."""
    active = sorted(rng.sample(range(days), k=max(1, int(days * 0.8))))
    active = sorted(set(active) | {0, 1})  # practised today and yesterday: a live streak
    day_weights = [rng.random() + 0.2 for _ in active]
    per_day = rng.choices(active, weights=day_weights, k=turns)
    plans = []
    for day_back in per_day:
        moment = end - timedelta(days=day_back, seconds=rng.randrange(0, 86_000))
        plans.append(moment)
    plans.sort()
    out = []
    i = 0
    while i < len(plans):
        kind = rng.random()
        if kind < 0.15:  # a lesson drill: one turn, no session
            out.append((plans[i], None, f"lesson:{rng.choice(['handling-price', 'handling-stalls'])}", 1))
            i += 1
            continue
        rounds = min(rng.choice([1, 2, 2, 3, 3]), len(plans) - i)
        source = "second_call" if kind < 0.25 else "sparring"
        key = f"s{i}"
        slug = rng.choices(objections, weights=weights)[0]
        for r in range(rounds):
            out.append((plans[i + r], (key, slug), source, r + 1))
        i += rounds
    return out


def seed(path: Path, *, trainees: int, turns_each: int, days: int = 365, rng_seed: int = 7) -> float:
    """Seed `trainees` trainees with `turns_each` turns each; return the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    pool = grade_pool()
    lib = library()
    objections = list(lib.objections)
    end = datetime.now(UTC).replace(tzinfo=None)
    db = store.open_db(path)
    # A throwaway database: no journal (a 3 GB transaction would otherwise go through the WAL twice) and a
    # 1 GiB page cache, so the random `uid` index inserts stay in memory.
    db.query("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1048576")
    session_id = 0
    with store.write_transaction(db):
        for n in range(trainees):
            db.execute("INSERT INTO trainees (name, name_key, created_at) VALUES (?, ?, ?)",
                       [f"Trainee {n + 1}", f"trainee {n + 1}", stamp(end - timedelta(days=days))])
            trainee_id = n + 1
            weights = [rng.random() + 0.3 for _ in objections]
            skill = rng.uniform(-10, 10)
            session_ids: dict[str, int] = {}
            weaknesses = [MOVE_WEAKNESS[move] - 0.5 for move in MOVES]
            sessions, turns = [], []
            for created, session, source, round_no in trainee_turns(
                rng, turns=turns_each, days=days, end=end, objections=objections, weights=weights
            ):
                slug = session[1] if session else rng.choices(objections, weights=weights)[0]
                sid = None
                if session:
                    if session[0] not in session_ids:
                        session_id += 1
                        session_ids[session[0]] = session_id
                        sessions.append((session_id, store.new_uid(), trainee_id, source if source == "second_call"
                                         else "sparring", slug, "complete", rng.choice(["advanced", "stalled", "lost"]),
                                         stamp(created), stamp(created)))
                    sid = session_ids[session[0]]
                progress = 1 - (end - created).days / days  # 0 a year ago, 1 today
                score = int(min(100, max(0, rng.gauss(38 + 32 * progress + skill + 4 * round_no, 18))))
                tier = TIER_OF_SCORE[score]
                points = [min(2, max(0, int(score / 50 + weakness + rng.random()))) for weakness in weaknesses]
                grade = rng.choice(pool[tier] or pool["weak"])
                turns.append((store.new_uid(), sid, trainee_id, source, round_no, slug,
                              lib.objections[slug].title, SAMPLE_REBUTTALS[min(7, score // 13)], tier, score,
                              *points, grade, "Hmm. Go on, what would that look like for us?", "builtin",
                              2 + 7 * rng.random(), 1 + 3 * rng.random(), stamp(created)))
            db.conn.executemany(
                "INSERT INTO sessions (id, uid, trainee_id, kind, objection_slug, status, outcome, started_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", sessions)
            db.conn.executemany(
                "INSERT INTO turns (uid, session_id, trainee_id, source, round, objection_slug, prompt, rebuttal, "
                "tier, score, acknowledge, clarify, respond, advance, grade, reply, engine, grade_ms, reply_ms, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", turns)
    db.execute("ANALYZE")
    db.query("PRAGMA journal_mode = WAL")
    db.close()
    return time.perf_counter() - started


def page_time(db_path: Path, trainee_id: int, *, runs: int, time_range: str | None = None) -> float:
    """Median seconds of one full script run (frame + Progress page) in AppTest."""
    import logging

    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    os.environ["CLOSERGYM_DB"] = str(db_path)
    with store.open_db(db_path) as db:  # the app holds a profile only with its current access code
        code = store.reset_access_code(db, trainee_id)
        name = store.get_trainee(db, trainee_id)["name"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["trainee_id"] = trainee_id
    at.session_state["trainee_known"] = {trainee_id: (name, code)}
    at.run()
    at.switch_page(PAGE)
    if time_range:
        at.session_state["progress_range"] = time_range
    at.run()  # warm-up: imports, first connection, OS page cache
    assert not at.exception, at.exception
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    assert not at.exception, at.exception
    return statistics.median(times)


def timed(fn, *, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def query_times(db_path: Path, trainee_id: int, *, runs: int) -> dict[str, float]:
    db = store.open_db(db_path)
    since = analytics.range_start(30)
    calls = {
        "headline": lambda: analytics.headline(db, trainee_id),
        "score_over_time 30d": lambda: analytics.score_over_time(db, trainee_id, since=since),
        "score_over_time all": lambda: analytics.score_over_time(db, trainee_id),
        "tier_mix_per_week all": lambda: analytics.tier_mix_per_week(db, trainee_id),
        "move_heatmap all": lambda: analytics.move_heatmap(db, trainee_id),
        "first_vs_best all": lambda: analytics.first_vs_best(db, trainee_id),
        "practice_calendar all": lambda: analytics.practice_calendar(db, trainee_id),
    }
    try:
        return {name: timed(call, runs=runs) for name, call in calls.items()}
    finally:
        db.close()


def export_time(db_path: Path, trainee_id: int, *, runs: int) -> str:
    try:
        from closergym import transfer
    except ImportError:
        return "n/a (closergym.transfer not there yet)"
    if not hasattr(transfer, "export_json"):
        return "n/a (no transfer.export_json)"
    db = store.open_db(db_path)
    try:
        return f"{timed(lambda: transfer.export_json(db, trainee_id), runs=max(1, runs // 2)) * 1000:.0f} ms"
    except Exception as error:  # the other half is being written: report, do not stop the bench
        return f"error: {type(error).__name__}: {error}"
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-million", action="store_true", help="only the empty and 100,000-turn databases")
    parser.add_argument("--keep", type=Path, help="seed into (or reuse) this folder instead of a temp one")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="progress-bench-"))
    folder.mkdir(parents=True, exist_ok=True)

    cases = [("empty", folder / "empty.db", 1, 0), ("20 turns", folder / "20.db", 1, 20),
             ("100k, 1 trainee", folder / "100k.db", 1, 100_000)]
    if not args.skip_million:
        cases.append(("1M, 300 trainees", folder / "1m.db", 300, 3_334))
    results = {}
    for name, path, trainees, turns_each in cases:
        if path.exists():
            print(f"{name}: reusing {path}")
        else:
            seconds = seed(path, trainees=trainees, turns_each=turns_each)
            print(f"{name}: seeded {trainees * turns_each:,} turns in {seconds:.1f} s "
                  f"({store.db_file_size(path) / 1e6:.0f} MB)")
        with store.open_db(path) as db:
            trainee_id = 1
            counts = store.trainee_counts(db, trainee_id)
            indexes = sorted(row["name"] for row in db.query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'turns' AND sql IS NOT NULL"))
        default = page_time(path, trainee_id, runs=args.runs)
        all_time = page_time(path, trainee_id, runs=args.runs, time_range="All time")
        results[name] = {"30 days (default)": default, "All time": all_time}
        print(f"  trainee 1: {counts['turns']:,} turns, {counts['sessions']:,} sessions; turns indexes: {indexes}")
        print(f"  page (30 days, default): {default * 1000:.0f} ms   page (All time): {all_time * 1000:.0f} ms")
        print(f"  transfer.export_json: {export_time(path, trainee_id, runs=args.runs)}")
        for query, seconds in query_times(path, trainee_id, runs=args.runs).items():
            print(f"    {query:<24} {seconds * 1000:7.1f} ms")

    print(f"\nGoal: under {GOAL_S:.0f} s with 100,000 turns and within {GOAL_RATIO:.0f}x of an empty database.")
    for view, big in results["100k, 1 trainee"].items():
        for baseline in ("empty", "20 turns"):
            small = results[baseline][view]
            ratio = big / small
            print(f"  {view:<18} 100k: {big * 1000:3.0f} ms vs {baseline}: {small * 1000:3.0f} ms = {ratio:.1f}x -> "
                  f"{'met' if big < GOAL_S and ratio <= GOAL_RATIO else 'MISSED'}")
    print("  ('empty' draws the friendly start and no chart; '20 turns' draws the same five charts as 100k.)")
    print(f"databases in {folder}")


if __name__ == "__main__":
    main()
