"""Progress analytics: small SQL aggregations over a trainee's graded turns, for the Progress page.

Every function takes `db` first, then the trainee's id and, where it makes sense, `since`: the first
UTC day to include ('YYYY-MM-DD', inclusive) or None for all time. Each returns plain rows (dicts)
ready for a chart, aggregated in SQL and never more than `MAX_ROWS` of them, however long the history.

They read `turn_days` (migration 004), one row per trainee, UTC day and objection that triggers keep in
step with `turns`: a year of daily practice is a few thousand rows whether it holds 1,000 turns or
100,000, so the page costs the same at any volume. Only a handful of single turns are read from `turns`.
Turns on a trainee's own objection (no slug) are grouped under the objection_slug ''.

Days and weeks are UTC throughout, because `created_at` is stored as UTC text: a day is the first ten
characters of `created_at`, a calendar week starts on Monday (`tier_mix_per_week`, the practice
calendar), and the headline's "this week" is the rolling 7 UTC days ending today (so on a Monday it is
compared with a full week, not with one day), set against the 7 days before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from closergym.content import MOVES
from closergym.grading import TIERS
from closergym.tracks import not_a_scenario

MAX_ROWS = 5000
PER_TURN_BELOW = 40  # fewer turns than this in range: plot each turn rather than daily averages

WEEK = "date(day, '-6 days', 'weekday 1')"  # the Monday on or before a UTC day


def utc_today() -> date:
    return datetime.now(UTC).date()


def as_date(value: date | str | None) -> date:
    if value is None:
        return utc_today()
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


def range_start(days: int | None, *, today: date | str | None = None) -> str | None:
    """The `since` of a window of `days` UTC days ending today (today included); None for all time."""
    if days is None:
        return None
    return (as_date(today) - timedelta(days=days - 1)).isoformat()


def _scope(trainee_id: int, since: str | None) -> tuple[str, dict]:
    """The WHERE clause on `turn_days` every query shares: this trainee, from day `since` on."""
    return "trainee_id = :trainee AND day >= :since", {"trainee": trainee_id, "since": (since or "")[:10]}


def _rate(part: int | None, whole: int | None) -> float | None:
    return part / whole if whole else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def headline(db: Database, trainee_id: int, *, today: date | str | None = None) -> dict:
    """The figures at the top of the page (one dict): this week (the last 7 UTC days), the week before,
    all time, and the streak. A session counts once, on the day its first answer was graded (one opened
    and left unanswered is not practice)."""
    end_day = as_date(today)
    week, prev = (end_day - timedelta(days=6)).isoformat(), (end_day - timedelta(days=13)).isoformat()
    window = {"this": "day >= :week AND day <= :today", "prev": "day >= :prev AND day < :week"}
    sums = ", ".join(
        f"coalesce(sum(CASE WHEN {where} THEN {column} END), 0) AS {column}_{name}"
        for name, where in window.items() for column in ("turns", "sessions", "elite", "score_sum")
    )
    row = next(db.query(
        f"""SELECT coalesce(sum(turns), 0) AS turns_total, coalesce(sum(sessions), 0) AS sessions_total,
                   coalesce(sum(elite), 0) AS elite_total, {sums}
            FROM turn_days WHERE trainee_id = :trainee""",
        {"trainee": trainee_id, "week": week, "prev": prev, "today": end_day.isoformat()},
    ))
    score_week = _round(_rate(row["score_sum_this"], row["turns_this"]))
    score_prev = _round(_rate(row["score_sum_prev"], row["turns_prev"]))
    elite_week, elite_prev = _rate(row["elite_this"], row["turns_this"]), _rate(row["elite_prev"], row["turns_prev"])
    return {
        "sessions_total": row["sessions_total"],
        "sessions_week": row["sessions_this"],
        "sessions_prev_week": row["sessions_prev"],
        "rebuttals_total": row["turns_total"],
        "rebuttals_week": row["turns_this"],
        "rebuttals_prev_week": row["turns_prev"],
        "rebuttals_change": row["turns_this"] - row["turns_prev"],
        "elite_rate": _rate(row["elite_total"], row["turns_total"]),
        "elite_rate_week": elite_week,
        "elite_rate_prev_week": elite_prev,
        "elite_rate_change": None if elite_week is None or elite_prev is None else elite_week - elite_prev,
        "score_week": score_week,
        "score_prev_week": score_prev,
        "score_change": None if score_week is None or score_prev is None else round(score_week - score_prev, 1),
        **streak(db, trainee_id, today=end_day),
    }


def streak(db: Database, trainee_id: int, *, today: date | str | None = None) -> dict:
    """Consecutive UTC days with at least one turn, ending today, or yesterday if today has none yet
    (the streak is still alive until today ends)."""
    end_day = as_date(today)
    rows = db.query(
        f"""SELECT DISTINCT day FROM turn_days WHERE trainee_id = ? AND day <= ?
            ORDER BY day DESC LIMIT {MAX_ROWS}""",
        [trainee_id, end_day.isoformat()],
    )
    days = [date.fromisoformat(row["day"]) for row in rows]
    practised_today = bool(days) and days[0] == end_day
    count = 0
    expected = end_day if practised_today else end_day - timedelta(days=1)
    for day in days:
        if day != expected:
            break
        count += 1
        expected -= timedelta(days=1)
    return {"streak_days": count, "practised_today": practised_today}


def score_over_time(
    db: Database, trainee_id: int, *, since: str | None = None, per_turn_below: int = PER_TURN_BELOW
) -> list[dict]:
    """Scores in time order: each turn while there are few (`grain` 'turn'), else daily averages
    (`grain` 'day'). Rows: grain, day, at, score, turns, and for single turns tier and objection_slug."""
    where, params = _scope(trainee_id, since)
    count = next(db.query(f"SELECT coalesce(sum(turns), 0) AS n FROM turn_days WHERE {where}", params))["n"]
    if count < per_turn_below:
        rows = db.query(
            """SELECT 'turn' AS grain, substr(created_at, 1, 10) AS day, created_at AS at, score, 1 AS turns, tier,
                      coalesce(objection_slug, '') AS objection_slug
               FROM turns WHERE trainee_id = :trainee AND created_at >= :since
               ORDER BY created_at, id LIMIT :limit""",
            {**params, "limit": per_turn_below},
        )
        return list(rows)
    rows = db.query(
        f"""SELECT 'day' AS grain, day, day AS at, round(1.0 * sum(score_sum) / sum(turns), 1) AS score,
                   sum(turns) AS turns
            FROM turn_days WHERE {where} GROUP BY day ORDER BY day DESC LIMIT {MAX_ROWS}""",
        params,
    )
    return list(reversed(list(rows)))


def tier_mix_per_week(db: Database, trainee_id: int, *, since: str | None = None) -> list[dict]:
    """Turns per tier per calendar week (weeks start on Monday, UTC). Rows: week, tier, turns, in week
    order; a tier with no turn in a week has no row."""
    where, params = _scope(trainee_id, since)
    weeks = db.query(
        f"""SELECT {WEEK} AS week, sum(weak) AS weak, sum(strong) AS strong, sum(elite) AS elite
            FROM turn_days WHERE {where} GROUP BY week ORDER BY week DESC LIMIT {MAX_ROWS // len(TIERS)}""",
        params,
    )
    return [{"week": row["week"], "tier": tier, "turns": row[tier]}
            for row in reversed(list(weeks)) for tier in TIERS if row[tier]]


def move_heatmap(db: Database, trainee_id: int, *, since: str | None = None) -> list[dict]:
    """Per objection and framework move: the average points (0-2), and `lost_share`, the share of the
    points this objection lost that this move accounts for (where the points go). Rows: objection_slug,
    move, avg_points, lost_share, turns; the most practised objections first. A closing or psychology
    scenario (`track:slug`) is left out: it is graded on its own steps, never on the four moves (their
    slots in its turns are bookkeeping, not grades)."""
    where, params = _scope(trainee_id, since)
    averages = ", ".join(f"1.0 * sum({move}) / sum(turns) AS {move}" for move in MOVES)
    rows = db.query(
        f"""SELECT objection_slug, sum(turns) AS turns, {averages} FROM turn_days WHERE {where} AND {not_a_scenario("objection_slug")}
            GROUP BY objection_slug ORDER BY turns DESC, objection_slug LIMIT {MAX_ROWS // len(MOVES)}""",
        params,
    )
    out = []
    for row in rows:
        lost = sum(2 - row[move] for move in MOVES)
        for move in MOVES:
            out.append({
                "objection_slug": row["objection_slug"],
                "move": move,
                "avg_points": round(row[move], 2),
                "lost_share": round((2 - row[move]) / lost, 3) if lost else 0.0,
                "turns": row["turns"],
            })
    return out


def first_vs_best(db: Database, trainee_id: int, *, since: str | None = None) -> list[dict]:
    """Per objection: the score of its first turn in range and its best. Rows: objection_slug, first,
    best, turns, first_at; the most practised objections first."""
    where, params = _scope(trainee_id, since)
    # With a lone min() SQLite takes the bare columns (first_score) from the row holding the minimum.
    rows = db.query(
        f"""SELECT objection_slug, first_score AS first, max_best AS best, total AS turns, first_at
            FROM (SELECT objection_slug, first_score, min(first_at) AS first_at FROM turn_days
                  WHERE {where} GROUP BY objection_slug)
            JOIN (SELECT objection_slug, max(best) AS max_best, sum(turns) AS total FROM turn_days
                  WHERE {where} GROUP BY objection_slug) USING (objection_slug)
            ORDER BY turns DESC, objection_slug LIMIT {MAX_ROWS}""",
        params,
    )
    return list(rows)


def practice_calendar(db: Database, trainee_id: int, *, since: str | None = None) -> list[dict]:
    """Turns per UTC day, for days with at least one (the most recent `MAX_ROWS` of them). Rows: day, turns."""
    where, params = _scope(trainee_id, since)
    rows = db.query(
        f"""SELECT day, sum(turns) AS turns FROM turn_days WHERE {where}
            GROUP BY day ORDER BY day DESC LIMIT {MAX_ROWS}""",
        params,
    )
    return list(reversed(list(rows)))
