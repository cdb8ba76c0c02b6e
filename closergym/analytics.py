"""Progress analytics: small SQL aggregations over a trainee's graded turns, for the Progress page.

Every function takes `db` first, then the trainee's id and, where it makes sense, `since`: the first
UTC day to include ('YYYY-MM-DD', inclusive) or None for all time. Each returns plain rows (dicts)
ready for a chart, aggregated in SQL and never more than `MAX_ROWS` of them, however long the history.

Days and weeks are UTC throughout, because `created_at` is stored as UTC text: a day is the first ten
characters of `created_at`, a calendar week starts on Monday (`tier_mix_per_week`, the practice
calendar), and the headline's "this week" is the rolling 7 UTC days ending today (so on a Monday it is
compared with a full week, not with one day), set against the 7 days before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlite_utils import Database

from closergym.content import MOVES

MAX_ROWS = 5000
PER_TURN_BELOW = 40  # fewer turns than this in range: plot each turn rather than daily averages
CUSTOM = ""  # turns on a trainee's own objection have no slug: grouped under this key

DAY = "substr(created_at, 1, 10)"
WEEK = "date(created_at, '-6 days', 'weekday 1')"  # the Monday on or before the turn's UTC day


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
    """The WHERE clause every query shares: this trainee only, from `since` on (uses turns_trainee)."""
    return "trainee_id = :trainee AND created_at >= :since", {"trainee": trainee_id, "since": since or ""}


def _rate(part: int | None, whole: int | None) -> float | None:
    return part / whole if whole else None


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 1)


def headline(db: Database, trainee_id: int, *, today: date | str | None = None) -> dict:
    """The figures at the top of the page (one dict): this week (the last 7 UTC days), the week before,
    all time, and the streak."""
    end_day = as_date(today)
    params = {
        "trainee": trainee_id,
        "week": (end_day - timedelta(days=6)).isoformat(),
        "prev": (end_day - timedelta(days=13)).isoformat(),
        "end": (end_day + timedelta(days=1)).isoformat(),
    }
    turns = next(db.query(
        """SELECT count(*) AS total,
                  coalesce(sum(tier = 'elite'), 0) AS elite_total,
                  coalesce(sum(created_at >= :week AND created_at < :end), 0) AS week,
                  coalesce(sum(created_at >= :week AND created_at < :end AND tier = 'elite'), 0) AS elite_week,
                  avg(CASE WHEN created_at >= :week AND created_at < :end THEN score END) AS score_week,
                  coalesce(sum(created_at >= :prev AND created_at < :week), 0) AS prev,
                  coalesce(sum(created_at >= :prev AND created_at < :week AND tier = 'elite'), 0) AS elite_prev,
                  avg(CASE WHEN created_at >= :prev AND created_at < :week THEN score END) AS score_prev
           FROM turns WHERE trainee_id = :trainee""",
        params,
    ))
    # A session counts once the trainee has answered in it (an opened-and-left page is not practice).
    sessions = next(db.query(
        """SELECT count(*) AS total,
                  coalesce(sum(started_at >= :week AND started_at < :end), 0) AS week,
                  coalesce(sum(started_at >= :prev AND started_at < :week), 0) AS prev
           FROM sessions s
           WHERE trainee_id = :trainee AND EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id)""",
        params,
    ))
    score_week = None if turns["score_week"] is None else round(turns["score_week"], 1)
    score_prev = None if turns["score_prev"] is None else round(turns["score_prev"], 1)
    elite_week, elite_prev = _rate(turns["elite_week"], turns["week"]), _rate(turns["elite_prev"], turns["prev"])
    return {
        "sessions_total": sessions["total"],
        "sessions_week": sessions["week"],
        "sessions_prev_week": sessions["prev"],
        "rebuttals_total": turns["total"],
        "rebuttals_week": turns["week"],
        "rebuttals_prev_week": turns["prev"],
        "rebuttals_change": turns["week"] - turns["prev"],
        "elite_rate": _rate(turns["elite_total"], turns["total"]),
        "elite_rate_week": elite_week,
        "elite_rate_prev_week": elite_prev,
        "elite_rate_change": None if elite_week is None or elite_prev is None else elite_week - elite_prev,
        "score_week": score_week,
        "score_prev_week": score_prev,
        "score_change": _change(score_week, score_prev),
        **streak(db, trainee_id, today=end_day),
    }


def streak(db: Database, trainee_id: int, *, today: date | str | None = None) -> dict:
    """Consecutive UTC days with at least one turn, ending today, or yesterday if today has none yet
    (the streak is still alive until today ends)."""
    end_day = as_date(today)
    rows = db.query(
        f"""SELECT DISTINCT {DAY} AS day FROM turns
            WHERE trainee_id = ? AND created_at < ? ORDER BY day DESC LIMIT {MAX_ROWS}""",
        [trainee_id, (end_day + timedelta(days=1)).isoformat()],
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
    (`grain` 'day'). Rows: grain, day, at, score, turns, tier (turns only), objection_slug (turns only)."""
    where, params = _scope(trainee_id, since)
    count = next(db.query(f"SELECT count(*) AS n FROM turns WHERE {where}", params))["n"]
    if count < per_turn_below:
        rows = db.query(
            f"""SELECT 'turn' AS grain, {DAY} AS day, created_at AS at, score, 1 AS turns, tier,
                       coalesce(objection_slug, '') AS objection_slug
                FROM turns WHERE {where} ORDER BY created_at, id""",
            params,
        )
        return list(rows)
    rows = db.query(
        f"""SELECT 'day' AS grain, {DAY} AS day, {DAY} AS at, round(avg(score), 1) AS score, count(*) AS turns
            FROM turns WHERE {where} GROUP BY day ORDER BY day DESC LIMIT {MAX_ROWS}""",
        params,
    )
    return list(reversed(list(rows)))


def tier_mix_per_week(db: Database, trainee_id: int, *, since: str | None = None) -> list[dict]:
    """Turns per tier per calendar week (weeks start on Monday, UTC). Rows: week, tier, turns."""
    where, params = _scope(trainee_id, since)
    rows = db.query(
        f"""SELECT {WEEK} AS week, tier, count(*) AS turns FROM turns WHERE {where}
            GROUP BY week, tier ORDER BY week DESC, tier LIMIT {MAX_ROWS}""",
        params,
    )
    return sorted(rows, key=lambda row: row["week"])


def move_heatmap(db: Database, trainee_id: int, *, since: str | None = None) -> list[dict]:
    """Per objection and framework move: the average points (0-2), and `lost_share`, the share of the
    points this objection lost that this move accounts for (where the points go). Rows: objection_slug,
    move, avg_points, lost_share, turns."""
    where, params = _scope(trainee_id, since)
    averages = ", ".join(f"avg({move}) AS {move}" for move in MOVES)
    rows = db.query(
        f"""SELECT coalesce(objection_slug, '') AS objection_slug, count(*) AS turns, {averages}
            FROM turns WHERE {where} GROUP BY 1 ORDER BY turns DESC LIMIT {MAX_ROWS // len(MOVES)}""",
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
    """Per objection: the score of the first turn in range and the best one. Rows: objection_slug,
    first, best, turns, first_at."""
    where, params = _scope(trainee_id, since)
    # SQLite documents that with a lone min(), the bare `score` comes from the row holding that min.
    rows = db.query(
        f"""WITH firsts AS (
                SELECT coalesce(objection_slug, '') AS objection_slug, score AS first, min(created_at) AS first_at
                FROM turns WHERE {where} GROUP BY 1),
            bests AS (
                SELECT coalesce(objection_slug, '') AS objection_slug, max(score) AS best, count(*) AS turns
                FROM turns WHERE {where} GROUP BY 1)
            SELECT objection_slug, first, best, turns, first_at
            FROM firsts JOIN bests USING (objection_slug)
            ORDER BY turns DESC, objection_slug LIMIT {MAX_ROWS}""",
        params,
    )
    return list(rows)


def practice_calendar(db: Database, trainee_id: int, *, since: str | None = None) -> list[dict]:
    """Turns per UTC day, for days with at least one (the most recent `MAX_ROWS` days). Rows: day, turns."""
    where, params = _scope(trainee_id, since)
    rows = db.query(
        f"""SELECT {DAY} AS day, count(*) AS turns FROM turns WHERE {where}
            GROUP BY day ORDER BY day DESC LIMIT {MAX_ROWS}""",
        params,
    )
    return list(reversed(list(rows)))
