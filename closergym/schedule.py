"""Spaced repetition over the objection library: one FSRS card per trainee and objection, and one per
closing or psychology scenario (`tracks`), whose turns carry the scenario's key where an objection's carry its slug.

Every graded turn that names a library objection (sparring rounds, second-call rounds, lesson drill
cells) is a review of that objection's card, in time order: weak is `Again`, strong `Good`, elite `Easy`.
A card is the replay of its reviews through `fsrs.Scheduler`. Replaying is exact but costs about 40 µs a
review (4 s for 100,000 turns), and a replay of only the last N reviews is not close enough (FSRS
stability compounds over the whole history), so replayed cards are kept in the `objection_cards` table
with a watermark (the last turn folded in). A read counts each objection's turns in one query; a card
whose count matches is used as stored, one with newer turns folds in just those, and one whose turns
arrived out of order (an import), or that was replayed by another scheduler, is rebuilt from scratch.
The table is only a cache: empty it and the next read rebuilds it; a database that cannot be written
still gets correct cards.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

from fsrs import Card, Rating, Scheduler, State
from sqlite_utils import Database

from closergym import store, tracks
from closergym.content import Library, library

RATINGS = {"weak": Rating.Again, "strong": Rating.Good, "elite": Rating.Easy}
STRONG_OR_BETTER = ("strong", "elite")
# Mastered: the card's FSRS stability (days until recall drops to 90 %) has reached a week, and strong or
# better answers came on at least two different days. Stability alone is not enough: FSRS lets a string
# of same-day "Easy" reviews raise it, and a skill shown one afternoon is not yet a skill.
MASTERY_STABILITY_DAYS = 7.0
MASTERY_DAYS = 2
MAX_INTERVAL_DAYS = 90  # a sales skill rusts: never wait more than a quarter between drills
PLAYBOOK_MASTERED = "Playbook mastered"
TIER_WEIGHT = {"weak": 4.0, "strong": 2.0, "elite": 1.0}  # how strongly next_drill favours a card

SCHEDULER = Scheduler(enable_fuzzing=False, maximum_interval=MAX_INTERVAL_DAYS)
SCHEDULER_KEY = hashlib.sha256(f"{version('fsrs')} {SCHEDULER.to_json()}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CardStatus:
    """Where one objection stands for one trainee. `due` is None for an objection never practised."""

    slug: str
    reviews: int
    strong_or_better_count: int
    last_tier: str | None
    last_review: datetime | None
    due: datetime | None
    is_due: bool
    state: str  # "new", "learning", "review" or "relearning"
    stability: float | None
    difficulty: float | None
    retrievability: float | None
    good_days: int = 0  # UTC days with a strong or better answer

    @property
    def is_new(self) -> bool:
        return self.reviews == 0

    @property
    def mastered(self) -> bool:
        return (self.good_days >= MASTERY_DAYS and self.last_tier in STRONG_OR_BETTER
                and (self.stability or 0.0) >= MASTERY_STABILITY_DAYS)


@dataclass
class Replay:
    """A card and the tallies of the reviews folded into it, up to the turn (`through_at`, `through_id`)."""

    card: Card
    reviews: int = 0
    strong_or_better: int = 0
    last_tier: str = ""
    through_at: str = ""
    through_id: int = 0
    good_days: int = 0  # read with the turn counts each time, not stored with the card

    def review(self, tier: str, created_at: str, turn_id: int) -> None:
        when = parse_time(created_at)
        if self.reviews == 0:
            self.card = Card(card_id=1, due=when)
        self.card, _ = SCHEDULER.review_card(self.card, RATINGS[tier], when)
        self.reviews += 1
        self.strong_or_better += tier in STRONG_OR_BETTER
        self.last_tier, self.through_at, self.through_id = tier, created_at, turn_id


def parse_time(stamp: str) -> datetime:
    """A stored UTC timestamp ('YYYY-MM-DD HH:MM:SS.mmm') as an aware datetime."""
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


def as_utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- reading and refreshing the replayed cards ------------------------------------------------------


def turn_counts(db: Database, trainee_id: int) -> dict[str, dict]:
    """Per objection: how many turns there are, beside the stored replay (if any). One query, on the
    per-day totals the database's triggers keep (a row per day and objection, not one per turn)."""
    rows = db.query(
        """WITH counts AS (
               SELECT objection_slug, sum(turns) AS turns FROM turn_days
               WHERE trainee_id = :t AND objection_slug != '' GROUP BY objection_slug),
           good AS (
               SELECT objection_slug, count(*) AS days FROM turn_days
               WHERE trainee_id = :t AND objection_slug != '' AND strong + elite > 0 GROUP BY objection_slug)
           SELECT counts.objection_slug AS slug, counts.turns, coalesce(good.days, 0) AS good_days, c.scheduler,
                  c.card, c.reviews, c.strong_or_better, c.last_tier, c.through_at, c.through_id
           FROM counts LEFT JOIN good USING (objection_slug) LEFT JOIN objection_cards c
             ON c.trainee_id = :t AND c.objection_slug = counts.objection_slug""",
        {"t": trainee_id},
    )
    return {row["slug"]: row for row in rows}


def stored_replay(row: dict) -> Replay | None:
    """The stored replay, if there is one this scheduler can trust."""
    if row["card"] is None or row["scheduler"] != SCHEDULER_KEY:
        return None
    try:
        card = Card.from_json(row["card"])
    except (ValueError, KeyError, TypeError):
        return None
    return Replay(card, row["reviews"], row["strong_or_better"], row["last_tier"], row["through_at"],
                  row["through_id"])


def reviews_since(db: Database, trainee_id: int, slug: str, replay: Replay | None) -> list[dict]:
    """The turns on `slug` after the replay's watermark (all of them without one), in time order."""
    after = (replay.through_at, replay.through_at, replay.through_id) if replay else ("", "", 0)
    return list(db.query(
        """SELECT tier, created_at, id FROM turns
           WHERE trainee_id = ? AND objection_slug = ? AND created_at >= ? AND (created_at > ? OR id > ?)
           ORDER BY created_at, id""",
        [trainee_id, slug, *after],
    ))


def refresh(db: Database, trainee_id: int, slug: str, row: dict) -> tuple[Replay, bool]:
    """The up-to-date replay for `slug`, and whether it changed (so needs storing)."""
    replay = stored_replay(row)
    if replay and replay.reviews == row["turns"]:
        return replay, False
    newer = reviews_since(db, trainee_id, slug, replay) if replay else []
    if replay is None or replay.reviews + len(newer) != row["turns"]:
        replay, newer = Replay(Card(card_id=1)), reviews_since(db, trainee_id, slug, None)
    for turn in newer:
        replay.review(turn["tier"], turn["created_at"], turn["id"])
    return replay, True


def store_replays(db: Database, trainee_id: int, replays: dict[str, Replay]) -> None:
    rows = [[trainee_id, slug, SCHEDULER_KEY, r.card.to_json(), r.reviews, r.strong_or_better, r.last_tier,
             r.through_at, r.through_id] for slug, r in replays.items()]
    store.save_cards(db, rows)


def replays(db: Database, trainee_id: int, slugs: Collection[str]) -> dict[str, Replay]:
    """The objections in `slugs` this trainee has practised, replayed up to their latest turn."""
    current: dict[str, Replay] = {}
    changed: dict[str, Replay] = {}
    for slug, row in turn_counts(db, trainee_id).items():
        if slug not in slugs:
            continue
        current[slug], dirty = refresh(db, trainee_id, slug, row)
        current[slug].good_days = row["good_days"]
        if dirty:
            changed[slug] = current[slug]
    if changed:
        store_replays(db, trainee_id, changed)
    return current


# -- what pages and the command line ask ------------------------------------------------------------


def card_status(slug: str, replay: Replay | None, now: datetime) -> CardStatus:
    if replay is None or replay.reviews == 0:
        return CardStatus(slug, 0, 0, None, None, None, False, "new", None, None, None)
    card = replay.card
    return CardStatus(
        slug=slug,
        reviews=replay.reviews,
        strong_or_better_count=replay.strong_or_better,
        last_tier=replay.last_tier,
        last_review=card.last_review,
        due=card.due,
        is_due=card.due <= now,
        state=State(card.state).name.lower(),
        stability=card.stability,
        difficulty=card.difficulty,
        retrievability=SCHEDULER.get_card_retrievability(card, max(now, card.last_review or now)),
        good_days=replay.good_days,
    )


def objection_cards(db: Database, trainee_id: int, *, now: datetime | None = None,
                    lib: Library | None = None) -> list[CardStatus]:
    """One status per library objection, in library order; turns on other objections are ignored."""
    lib = lib or library()
    moment = as_utc(now)
    known = replays(db, trainee_id, lib.objections.keys())
    return [card_status(slug, known.get(slug), moment) for slug in lib.objections]


def scenario_cards(db: Database, trainee_id: int, *, track: str | None = None,
                   now: datetime | None = None) -> list[CardStatus]:
    """One status per closing or psychology scenario (of `track`, or both), in the tracks' order."""
    keys = [key for key, found in tracks.scenarios().items() if track in (None, found.track)]
    moment = as_utc(now)
    known = replays(db, trainee_id, keys)
    return [card_status(key, known.get(key), moment) for key in keys]


def next_scenario(db: Database, trainee_id: int, track: str, *, now: datetime | None = None,
                  rng: random.Random | None = None) -> str | None:
    """`next_drill` within a track: a scenario never run, else a due one, favouring weak answers."""
    moment = as_utc(now)
    return next_among(scenario_cards(db, trainee_id, track=track, now=moment), moment, rng)


def due_today(db: Database, trainee_id: int, *, now: datetime | None = None,
              lib: Library | None = None) -> list[CardStatus]:
    """Practised objections due before the end of today (UTC), soonest first; new ones are not 'due'."""
    moment = as_utc(now)
    return due_among(objection_cards(db, trainee_id, now=moment, lib=lib), moment)


def due_among(cards: Sequence[CardStatus], now: datetime) -> list[CardStatus]:
    """The cards due before the end of `now`'s day (UTC), soonest first."""
    end_of_day = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return sorted((c for c in cards if c.due and c.due < end_of_day), key=lambda c: (c.due, c.slug))


def drill_weight(card: CardStatus, now: datetime) -> float:
    """How much `next_drill` wants this card: weak answers and overdue cards weigh most."""
    if card.is_new or card.due is None:
        return 1.0
    weight = TIER_WEIGHT.get(card.last_tier or "", 1.0)
    days = (card.due - now).total_seconds() / 86400
    return weight * (2.0 + min(-days, 7.0) / 7.0 if days <= 0 else 1.0 / (1.0 + days))


def pick(pool: Sequence[CardStatus], now: datetime, rng: random.Random | None) -> CardStatus:
    weights = [drill_weight(card, now) for card in pool]
    if rng is not None:
        return rng.choices(pool, weights=weights)[0]
    order = {card.slug: index for index, card in enumerate(pool)}
    return max(pool, key=lambda c: (drill_weight(c, now), -(c.due or now).timestamp(), -order[c.slug]))


def next_drill(db: Database, trainee_id: int, *, now: datetime | None = None,
               rng: random.Random | None = None, lib: Library | None = None) -> str | None:
    """The objection to drill next: a due one (due before the day is out, as the "due today" list shows) if
    any, else one never practised, else the one due soonest.

    Within that pool weak and overdue cards are favoured: with `rng` the pick is random by those weights
    (the same `rng` state gives the same pick); without, it is the heaviest card (first in the library on a
    tie). None only when the library is empty.
    """
    moment = as_utc(now)
    return next_among(objection_cards(db, trainee_id, now=moment, lib=lib), moment, rng)


def next_among(cards: Sequence[CardStatus], now: datetime, rng: random.Random | None = None) -> str | None:
    """`next_drill` over cards already loaded."""
    if not cards:
        return None
    pool = due_among(cards, now) or [c for c in cards if c.is_new] or cards
    return pick(pool, now, rng).slug


def mastery(db: Database, trainee_id: int, *, lib: Library | None = None) -> tuple[int, int]:
    """(objections mastered, objections in the library): see `CardStatus.mastered`."""
    cards = objection_cards(db, trainee_id, lib=lib)
    return sum(card.mastered for card in cards), len(cards)


def mastery_label(mastered: int, total: int) -> str:
    if total and mastered >= total:
        return PLAYBOOK_MASTERED
    return f"{mastered} of {total} objections mastered"

