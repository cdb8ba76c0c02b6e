import random
from datetime import UTC, datetime, timedelta

import pytest

from closergym import schedule, store
from closergym.content import library

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SCORES = {"weak": 30, "strong": 70, "elite": 95}
SLUGS = list(library().objections)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def add_turn(db, trainee, slug, tier, at, *, source="sparring"):
    store.save_turn(db, {
        "trainee_id": trainee["id"], "source": source, "objection_slug": slug, "prompt": "So?",
        "rebuttal": "Fair. What would change your mind?", "tier": tier, "score": SCORES[tier],
        "acknowledge": 1, "clarify": 1, "respond": 1, "advance": 1, "created_at": stamp(at),
    })


def card(db, trainee, slug, *, now=T0):
    return next(c for c in schedule.objection_cards(db, trainee["id"], now=now) if c.slug == slug)


def fresh_cards(db, trainee, *, now):
    """The same cards computed with no stored replays (the reference the cache must match)."""
    db.execute("DELETE FROM objection_cards")
    return schedule.objection_cards(db, trainee["id"], now=now)


def test_every_library_objection_is_a_card_and_new_ones_are_not_due(db, trainee):
    cards = schedule.objection_cards(db, trainee["id"], now=T0)
    assert [c.slug for c in cards] == SLUGS
    assert all(c.is_new and c.due is None and not c.is_due and c.state == "new" for c in cards)
    assert schedule.due_today(db, trainee["id"], now=T0) == []


@pytest.mark.parametrize("source", ["sparring", "second_call", "lesson:handling-price"])
def test_every_kind_of_graded_turn_counts_as_a_review(db, trainee, source):
    add_turn(db, trainee, SLUGS[0], "strong", T0, source=source)
    first = card(db, trainee, SLUGS[0], now=T0)
    assert (first.reviews, first.last_tier, first.strong_or_better_count) == (1, "strong", 1)


def test_turns_without_a_library_objection_are_ignored(db, trainee):
    add_turn(db, trainee, None, "elite", T0, source="second_call")
    add_turn(db, trainee, "not-in-the-library", "elite", T0)
    assert all(c.is_new for c in schedule.objection_cards(db, trainee["id"], now=T0))


def due_after(db, trainee, last_tier):
    slug = SLUGS[0]
    add_turn(db, trainee, slug, "strong", T0)
    add_turn(db, trainee, slug, "strong", T0 + timedelta(days=1))
    at = T0 + timedelta(days=4)
    add_turn(db, trainee, slug, last_tier, at)
    return card(db, trainee, slug, now=at).due - at


def test_elite_pushes_the_next_drill_further_than_strong_and_weak_brings_it_back_soon(db):
    gaps = {tier: due_after(db, store.create_trainee(db, tier.title()), tier) for tier in schedule.RATINGS}
    assert gaps["elite"] > gaps["strong"] > gaps["weak"]
    assert gaps["weak"] <= timedelta(hours=1)
    assert gaps["strong"] >= timedelta(days=2)


def test_a_weak_answer_makes_the_objection_due_today(db, trainee):
    add_turn(db, trainee, SLUGS[1], "elite", T0)
    add_turn(db, trainee, SLUGS[2], "weak", T0)
    later = T0 + timedelta(hours=1)
    assert [c.slug for c in schedule.due_today(db, trainee["id"], now=later)] == [SLUGS[2]]
    assert card(db, trainee, SLUGS[2], now=later).is_due
    assert not card(db, trainee, SLUGS[1], now=later).is_due


def practise_all_but(db, trainee, skipped, tier="strong", at=T0):
    for slug in SLUGS:
        if slug not in skipped:
            add_turn(db, trainee, slug, tier, at)


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_with_nothing_due_a_never_practised_objection_is_picked(db, trainee, seed):
    practise_all_but(db, trainee, {SLUGS[5]}, tier="elite")
    rng = None if seed is None else random.Random(seed)
    now = T0 + timedelta(hours=3)
    assert schedule.due_today(db, trainee["id"], now=now) == []
    assert schedule.next_drill(db, trainee["id"], now=now, rng=rng) == SLUGS[5]


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_a_due_objection_comes_before_a_new_one_and_is_the_one_the_due_list_shows(db, trainee, seed):
    """The pick and the "due today" list agree: a never-practised objection waits while one is due."""
    practise_all_but(db, trainee, {SLUGS[5]}, tier="elite")
    add_turn(db, trainee, SLUGS[2], "weak", T0 + timedelta(minutes=5))
    now = T0 + timedelta(hours=3)
    due = [c.slug for c in schedule.due_today(db, trainee["id"], now=now)]
    rng = None if seed is None else random.Random(seed)
    assert due == [SLUGS[2]]
    assert schedule.next_drill(db, trainee["id"], now=now, rng=rng) == SLUGS[2]


def test_next_drill_prefers_a_due_objection_to_ones_not_yet_due(db, trainee):
    for slug in SLUGS:
        add_turn(db, trainee, slug, "elite", T0)  # due in a week or more
    add_turn(db, trainee, SLUGS[3], "weak", T0 + timedelta(minutes=1))  # due minutes later
    now = T0 + timedelta(hours=2)
    picks = {schedule.next_drill(db, trainee["id"], now=now, rng=random.Random(seed)) for seed in range(20)}
    assert picks == {SLUGS[3]}
    assert schedule.next_drill(db, trainee["id"], now=now) == SLUGS[3]


def test_among_due_objections_weak_ones_are_favoured(db, trainee):
    for slug in SLUGS:
        add_turn(db, trainee, slug, "strong" if slug != SLUGS[4] else "weak", T0)
    now = T0 + timedelta(days=1)  # every card is due again
    assert all(c.is_due for c in schedule.objection_cards(db, trainee["id"], now=now))
    cards, rng = schedule.objection_cards(db, trainee["id"], now=now), random.Random(7)
    picks = [schedule.pick(cards, now, rng).slug for _ in range(2000)]
    assert picks.count(SLUGS[4]) > 1.5 * max(picks.count(slug) for slug in SLUGS if slug != SLUGS[4])
    assert schedule.next_drill(db, trainee["id"], now=now) == SLUGS[4]


def test_the_same_rng_state_gives_the_same_pick(db, trainee):
    practise_all_but(db, trainee, set())
    now = T0 + timedelta(days=3)
    first = [schedule.next_drill(db, trainee["id"], now=now, rng=random.Random(42)) for _ in range(3)]
    assert len(set(first)) == 1


def test_one_afternoon_of_good_answers_does_not_master_an_objection(db, trainee):
    """Three weak answers and a good session the same afternoon: not mastered, however many answers."""
    slug = SLUGS[0]
    for minute, tier in enumerate(["weak", "weak", "weak", "strong", "elite", "elite", "elite", "elite", "elite"]):
        add_turn(db, trainee, slug, tier, T0 + timedelta(minutes=10 * minute))
    later = T0 + timedelta(hours=2)
    assert card(db, trainee, slug, now=later).strong_or_better_count == 6
    assert not card(db, trainee, slug, now=later).mastered
    assert schedule.mastery(db, trainee["id"]) == (0, len(SLUGS))


def test_even_same_day_elite_answers_that_raise_stability_do_not_master_it(db, trainee):
    slug = SLUGS[0]
    for minute in range(8):
        add_turn(db, trainee, slug, "elite", T0 + timedelta(minutes=10 * minute))
    status = card(db, trainee, slug, now=T0 + timedelta(hours=2))
    assert status.stability >= schedule.MASTERY_STABILITY_DAYS and status.good_days == 1
    assert not status.mastered


def test_mastery_needs_good_answers_on_two_days_that_make_it_stick(db, trainee):
    slug = SLUGS[0]
    add_turn(db, trainee, slug, "strong", T0)
    add_turn(db, trainee, slug, "strong", T0 + timedelta(days=1))
    status = card(db, trainee, slug, now=T0 + timedelta(days=1, hours=1))
    assert status.good_days == 2 and status.stability >= schedule.MASTERY_STABILITY_DAYS
    assert status.mastered
    assert schedule.mastery(db, trainee["id"]) == (1, len(SLUGS))
    assert schedule.mastery_label(1, len(SLUGS)) == f"1 of {len(SLUGS)} objections mastered"


def test_a_weak_answer_after_mastery_takes_it_back_until_it_is_good_again(db, trainee):
    slug = SLUGS[0]
    add_turn(db, trainee, slug, "strong", T0)
    add_turn(db, trainee, slug, "strong", T0 + timedelta(days=1))
    add_turn(db, trainee, slug, "weak", T0 + timedelta(days=9))
    assert not card(db, trainee, slug, now=T0 + timedelta(days=9, hours=1)).mastered


def test_playbook_mastered_when_every_objection_is(db, trainee):
    for day in range(3):
        practise_all_but(db, trainee, set(), tier="elite", at=T0 + timedelta(days=day))
    mastered, total = schedule.mastery(db, trainee["id"])
    assert mastered == total == len(SLUGS)
    assert schedule.mastery_label(mastered, total) == schedule.PLAYBOOK_MASTERED


def test_other_trainees_turns_never_affect_a_trainee(db, trainee):
    other = store.create_trainee(db, "Alex")
    add_turn(db, trainee, SLUGS[0], "strong", T0)
    before = schedule.objection_cards(db, trainee["id"], now=T0)
    for day in range(4):
        practise_all_but(db, other, set(), tier="weak", at=T0 + timedelta(hours=day))
    assert schedule.objection_cards(db, trainee["id"], now=T0) == before
    assert schedule.mastery(db, trainee["id"])[0] == 0
    assert all(c.reviews == 4 for c in schedule.objection_cards(db, other["id"], now=T0))


def test_stored_cards_fold_in_new_turns_exactly_like_a_full_replay(db, trainee):
    rng = random.Random(3)
    at = T0
    for _ in range(4):
        for _ in range(15):
            at += timedelta(hours=rng.uniform(0.01, 60))
            add_turn(db, trainee, rng.choice(SLUGS[:4]), rng.choice(list(schedule.RATINGS)), at)
        incremental = schedule.objection_cards(db, trainee["id"], now=at)
        assert incremental == fresh_cards(db, trainee, now=at)


def test_turns_that_arrive_out_of_order_rebuild_the_card(db, trainee):
    add_turn(db, trainee, SLUGS[0], "elite", T0 + timedelta(days=10))
    schedule.objection_cards(db, trainee["id"], now=T0)  # stores a replay with a day-10 watermark
    add_turn(db, trainee, SLUGS[0], "weak", T0)  # an imported, older turn
    now = T0 + timedelta(days=11)
    result = schedule.objection_cards(db, trainee["id"], now=now)
    assert result == fresh_cards(db, trainee, now=now)
    assert result[0].reviews == 2


def test_a_card_stored_by_another_scheduler_is_replayed_again(db, trainee):
    add_turn(db, trainee, SLUGS[0], "strong", T0)
    expected = schedule.objection_cards(db, trainee["id"], now=T0)
    db.execute("UPDATE objection_cards SET scheduler = 'old', reviews = 7")
    assert schedule.objection_cards(db, trainee["id"], now=T0) == expected
    db.execute("UPDATE objection_cards SET card = 'not json', reviews = 1")
    assert schedule.objection_cards(db, trainee["id"], now=T0) == expected


def test_an_older_database_upgrades_and_schedules_its_existing_turns(isolated_db):
    old = store.connect(isolated_db)
    store.migrations.apply(old, stop_before="003_objection_cards")
    sam = store.create_trainee(old, "Sam")
    add_turn(old, sam, SLUGS[0], "elite", T0)
    old.close()
    db = store.open_db(isolated_db)
    assert "objection_cards" in db.table_names()
    assert card(db, sam, SLUGS[0]).reviews == 1
