"""The closing and psychology sparring tracks: each scenario's rubric grades its own examples at their stated
tiers, a session of each track runs end to end through the page and is saved, Progress and spaced repetition
count each scenario under its own label, and a lesson's drill link opens the matching track."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from closergym import analytics, closing, psychology, schedule, sessions, store, tracks
from closergym.content import MOVES, library
from closergym.grading import TIER_BANDS, Grade
from closergym.sparring import SECOND_CALL_STALLS, RoutineState
from components import charts
from tests.conftest import app_for, said, say, unescaped
from tests.llm_server import free_port

LIB = library()
SCENARIOS = tracks.scenarios()


def examples():
    for key, scenario in SCENARIOS.items():
        for number, round_ in enumerate(scenario.rounds, start=1):
            for example in round_.examples:
                yield pytest.param(key, number, example, id=f"{key}-r{number}-{example.tier}-{example.stall or ''}")


def prompt(scenario: tracks.Scenario, number: int, stall: str | None) -> str:
    return closing.prompt_for(scenario, number, SECOND_CALL_STALLS.get(stall or "partner-decides"))


def test_both_tracks_ship_their_scenarios():
    closing_slugs = {s.slug for s in tracks.of_track("closing")}
    psychology_slugs = {s.slug for s in tracks.of_track("psychology")}
    assert {"second-call", "pre-frame", "recap-in-writing", "small-ask", "three-stalls", "trial-close"} <= closing_slugs
    assert {"specific-beats-generic", "say-the-number", "pre-framing", "labelling", "no-oriented-questions",
            "silence-after-the-ask", "cost-of-inaction"} <= psychology_slugs
    assert next(iter(SCENARIOS)) == tracks.SECOND_CALL_KEY  # the closing track opens on the second call
    assert all(s.lesson in LIB.lessons for s in SCENARIOS.values())


@pytest.mark.parametrize(("key", "number", "example"), list(examples()))
def test_each_rubric_grades_its_own_examples_at_their_stated_tier(key, number, example):
    scenario = SCENARIOS[key]
    graded = closing.grade_round(scenario, number, prompt(scenario, number, example.stall), example.text,
                                 stall=example.stall or ("partner-decides" if scenario.engine == "second_call" and
                                                         number == 2 else None), lib=LIB)
    assert graded.tier == example.tier, [(m.label, m.points, m.phrases) for m in graded.moves if m.counted]
    low, high = TIER_BANDS[example.tier]
    assert low <= graded.score <= high
    shown = [mark for mark in graded.moves if mark.counted]
    assert [m.label for m in shown] == [label for label, _ in closing.rubric(scenario)[number - 1][2]
                                        if not label.startswith("Red flag")]
    assert all(p in example.text for m in shown for p in m.phrases)  # evidence is the rep's own words
    assert sorted(m.move for m in graded.moves) == sorted(MOVES)  # every column of a turn is filled
    assert Grade.from_dict(graded.to_dict()) == graded


def test_the_second_call_scenario_is_the_engines_own_rounds():
    scenario = SCENARIOS[tracks.SECOND_CALL_KEY]
    assert scenario.engine == "second_call" and scenario.call_one
    assert [r.steps for r in scenario.rounds] == [list(steps) for steps in closing.ROUND_STEPS.values()]
    # the notes carry what its better lines call back to: the Fridays, and her number
    notes = " ".join([*scenario.call_one.said, scenario.call_one.number])
    assert "Fridays" in notes and "twelve thousand a month" in notes


@pytest.mark.parametrize(("key", "text", "slip"), [
    ("psychology:say-the-number", "That's easily costing you $4,000 a month. How many calls go unanswered a week?",
     "said_for_them"),
    ("psychology:no-oriented-questions", "Would it be a bad idea to take 15 minutes on Thursday? Does that make sense?",
     "yes_ladder"),
    ("psychology:silence-after-the-ask", "Shall we start on Monday? No pressure, whenever you're ready.",
     "filled_silence"),
    ("psychology:specific-beats-generic", "You said referrals matter. We're world-class: 31 new patients a month.",
     "generic_claim"),
])
def test_breaking_the_principle_caps_the_grade_and_is_quoted(key, text, slip):
    scenario = SCENARIOS[key]
    graded = closing.grade_round(scenario, 1, closing.prompt_for(scenario, 1), text, lib=LIB)
    flag = next(f for f in graded.red_flags if f.code == slip)
    assert graded.tier != "elite" and flag.phrases and all(p in text for p in flag.phrases)
    assert psychology.SLIPS[slip].advice in graded.feedback.stop


@pytest.mark.parametrize(("key", "text"), [
    ("psychology:no-oriented-questions", "That makes sense. Would you be ready to start? "
                                         "Could we book 20 minutes Thursday at 10 with Tom?"),
])
def test_the_principle_half_met_is_not_elite_however_good_the_rest(key, text):
    """A psychology scenario trains one principle: a question that asks for a yes, with a fine next step, is
    a sound answer (strong), not an elite one."""
    scenario = SCENARIOS[key]
    graded = closing.grade_round(scenario, 1, closing.prompt_for(scenario, 1), text, lib=LIB)
    principle = next(mark for mark in graded.moves if mark.counted)
    assert principle.points == 1 and graded.tier == "strong"
    rubric = closing.rubric(scenario)[0][2]
    assert principle.label == rubric[0][0]  # the round's first line is the principle


def run_scenario(db, trainee, key: str, tier: str = "elite") -> dict:
    """A whole session of `key`, answering each round with its example at `tier`."""
    session = sessions.start_session(db, trainee_id=trainee["id"], scenario=key, seed=11)
    scenario = SCENARIOS[key]
    while (current := store.get_session(db, session["id"], trainee_id=trainee["id"]))["status"] == "active":
        state = RoutineState.from_dict(current["state"])
        examples = [e for e in scenario.rounds[state.round - 1].examples if e.tier == tier]
        example = next((e for e in examples if e.stall == current["custom_objection"]), examples[0])
        sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=example.text)
    return current


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_every_scenario_runs_to_its_end_and_is_saved_under_its_key(db, trainee, key):
    final = run_scenario(db, trainee, key)
    turns = store.session_turns(db, final["id"], trainee_id=trainee["id"])
    assert final["status"] == "complete" and final["outcome"] == "advanced"
    assert [t["tier"] for t in turns] == ["elite"] * len(SCENARIOS[key].rounds)
    assert {t["objection_slug"] for t in turns} == {key}
    report = sessions.session_report(db, final)
    assert report.scenario == key and report.weakest_move is None


def test_weak_answers_end_a_closing_scenario_lost_on_hard(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], scenario="closing:three-stalls", difficulty="hard")
    for _ in range(2):
        result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"],
                                    rebuttal="No problem, take your time and let me know!")
    assert result.state.finished and result.state.outcome == "lost"


def test_an_unknown_scenario_is_refused(db, trainee):
    with pytest.raises(sessions.StartError, match="no scenario"):
        sessions.start_session(db, trainee_id=trainee["id"], scenario="closing:no-such-thing")


def test_progress_labels_every_track_and_scenario(db, trainee):
    run_scenario(db, trainee, tracks.SECOND_CALL_KEY)
    run_scenario(db, trainee, "psychology:labelling", tier="strong")
    sessions.take_turn(db, trainee_id=trainee["id"], rebuttal="That makes sense. What part of it worries you?",
                       session_id=sessions.start_session(db, trainee_id=trainee["id"], objection_slug="too-expensive")["id"])
    rows = analytics.first_vs_best(db, trainee["id"])
    labels = {slug: o.short for slug, o in LIB.objections.items()} | tracks.labels()
    spec = charts.first_vs_best_chart(rows, labels=labels)
    shown = {row.get("objection") for rows in spec["datasets"].values() for row in rows}
    assert {"Closing · Second call", "Psychology · Labelling", LIB.objections["too-expensive"].short} <= shown
    assert charts.CUSTOM_LABEL not in shown  # no second-call round is "Your own objections" any more

    at = app_for(trainee, "app_pages/progress.py")
    assert not at.exception
    drawn = b"".join(chart.proto.SerializeToString() for chart in at.get("vega_lite_chart"))
    assert "Closing · Second call".encode() in drawn and "Psychology · Labelling".encode() in drawn
    assert charts.CUSTOM_LABEL.encode() not in drawn  # the page's charts, as drawn
    table = next(e for e in at.expander if e.label == "Every closing and psychology scenario's card")
    frame = table.dataframe[0].value
    row = frame[frame["Scenario"] == "Second call"].iloc[0]
    assert row["Track"] == "Closing" and row["Answers"] == 3
    assert frame[frame["Scenario"] == "Labelling"].iloc[0]["Last"] == "strong"


def test_spaced_repetition_schedules_the_scenarios(db, trainee):
    now = datetime.now(UTC)
    first = schedule.next_scenario(db, trainee["id"], "psychology", now=now)
    assert first and tracks.track_of(first) == "psychology"  # one never tried
    run_scenario(db, trainee, "psychology:labelling", tier="weak")
    run_scenario(db, trainee, "psychology:pre-framing", tier="elite")
    cards = {c.slug: c for c in schedule.scenario_cards(db, trainee["id"], now=now)}
    weak, elite = cards["psychology:labelling"], cards["psychology:pre-framing"]
    assert weak.reviews == elite.reviews == 1 and weak.last_tier == "weak"
    assert weak.due < elite.due  # a weak answer comes back sooner
    assert cards["closing:pre-frame"].is_new
    # once every scenario of the track is tried, the due weak one is next
    for key in SCENARIOS:
        if tracks.track_of(key) == "psychology" and key not in ("psychology:labelling", "psychology:pre-framing"):
            run_scenario(db, trainee, key)
    later = now + timedelta(days=1)
    assert schedule.next_scenario(db, trainee["id"], "psychology", now=later) == "psychology:labelling"
    # the objection library's cards do not count the scenarios
    assert all(c.slug in LIB.objections for c in schedule.objection_cards(db, trainee["id"]))


def test_the_migration_moves_old_second_call_turns_under_the_scenario(db, trainee):
    session = sessions.start_session(db, trainee_id=trainee["id"], second_call=True, seed=4)
    sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal="Hi, just checking in.")
    db.execute("UPDATE turns SET objection_slug = NULL")  # as an older version saved round 1
    store.m007_track_scenarios(db)
    assert [r["objection_slug"] for r in db.query("SELECT objection_slug FROM turn_days")] == [tracks.SECOND_CALL_KEY]


# -- the page ---------------------------------------------------------------------------------------


def test_a_closing_session_on_the_page_shows_the_call_one_notes_and_is_saved(db, trainee):
    at = app_for(trainee, "app_pages/sparring.py")
    at.segmented_control(key="sparring_track").set_value("closing").run()
    assert at.selectbox(key="sparring_closing_pick").value in (tracks.SECOND_CALL_KEY, "next_due")
    at.selectbox(key="sparring_closing_pick").set_value(tracks.SECOND_CALL_KEY).run()
    notes = " ".join(m.value for m in at.markdown)
    assert "Your notes from call one" in notes and "twelve thousand a month" in unescaped(notes)
    rubric = next(e for e in at.expander if e.label == "The rubric: The second call")
    assert "Open with a callback to a specific moment of call one" in rubric.markdown[0].value
    at.button(key="sparring_closing_start").click().run()
    assert not at.exception
    notes = next(e for e in at.expander if e.label == "Your notes from call one")  # one click away once it runs
    assert "twelve thousand a month" in unescaped(notes.markdown[0].value)
    scenario = SCENARIOS[tracks.SECOND_CALL_KEY]
    session = sessions.open_session(db, trainee["id"])
    for number in (1, 2, 3):
        stall = session["custom_objection"] if number == 2 else None
        example = closing.elite_example(scenario.rounds[number - 1], stall)
        say(at, example.text)
        assert not at.exception and said(at)[-2]["text"] == example.text
    assert [m for m in at.main.markdown if m.value.startswith("### Session report")]
    tiers = [t["tier"] for t in store.session_turns(db, session["id"], trainee_id=trainee["id"])]
    assert tiers == ["elite"] * 3


def test_a_psychology_scenario_on_the_page_is_graded_on_its_principle(db, trainee):
    at = app_for(trainee, "app_pages/sparring.py")
    at.segmented_control(key="sparring_track").set_value("psychology").run()
    at.selectbox(key="sparring_psychology_pick").set_value("psychology:say-the-number").run()
    rubric = next(e for e in at.expander if e.label == "The rubric: Make them say the number")
    shown = unescaped(" ".join(m.value for m in rubric.markdown))
    assert "**Ask for their number** (0-2)" in shown and "Red flag: Said the number for them" in shown
    assert all(tier in shown for tier in ("**Weak**", "**Strong**", "**Elite**"))  # the examples
    at.button(key="sparring_psychology_start").click().run()
    assert said(at)[0]["label"] == "Round 1 of 1 · the shrug"
    say(at, "Fair enough. How many calls would you say go unanswered?")
    assert not at.exception
    card = next(m["card"] for m in said(at) if m["who"] == "rep")
    assert "STRONG" in card and "Ask for their number" in card and "Make it add up" in card
    turn = next(db.query("SELECT source, objection_slug, tier FROM turns"))
    assert turn == {"source": "psychology", "objection_slug": "psychology:say-the-number", "tier": "strong"}
    assert [m for m in at.main.markdown if m.value.startswith("### Session report")]


@pytest.mark.parametrize(("lesson", "key"), [
    ("second-call-close", "closing:second-call"),
    ("small-ask-close", "closing:small-ask"),
    ("cost-of-inaction", "psychology:cost-of-inaction"),
    ("discovery-questions", "psychology:say-the-number"),
])
def test_a_lessons_drill_link_opens_the_matching_track(db, trainee, lesson, key):
    assert key in LIB.lessons[lesson].meta.drills
    at = app_for(trainee, "app_pages/lessons.py", query={"lesson": lesson})
    link = next(p for p in at.get("page_link") if p.proto.query_string == f"scenario={key.replace(':', '%3A')}")
    assert SCENARIOS[key].title in link.proto.label
    opened = app_for(trainee, "app_pages/sparring.py", query={"scenario": key})
    assert not opened.exception
    session = sessions.open_session(db, trainee["id"])
    assert sessions.session_scenario(session).key == key
    title = f"{tracks.TRACKS[SCENARIOS[key].track]} · {SCENARIOS[key].title}"
    headings = [s.value for s in opened.subheader]
    assert any(title in h for h in headings) or (key == tracks.SECOND_CALL_KEY and any("second call" in h for h in headings))


def test_every_scenario_drill_in_a_lesson_exists():
    keys = [d for lesson in LIB.lessons.values() for d in lesson.meta.drills if ":" in d]
    assert keys and all(k in SCENARIOS for k in keys)
    assert {SCENARIOS[k].track for k in keys} == {"closing", "psychology"}


def test_random_answers_never_break_a_scenario(db, trainee):
    rng = random.Random(5)
    words = ["you", "said", "how", "many", "a", "week", "would", "it", "be", "a", "bad", "idea", "if", "nothing", "changes", "it", "sounds", "like", "?", ".", "tuesday"]
    for key in SCENARIOS:
        session = sessions.start_session(db, trainee_id=trainee["id"], scenario=key)
        text = " ".join(rng.choice(words) for _ in range(25))
        result = sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=text)
        assert result.grade.tier in ("weak", "strong", "elite") and result.reply


@pytest.mark.parametrize(("tier", "outcome"), [("elite", "advanced"), ("strong", "stalled"), ("weak", "stalled")])
def test_the_prospects_last_line_takes_up_only_what_the_answer_did(db, trainee, tier, outcome):
    scenario = SCENARIOS["psychology:say-the-number"]
    final = run_scenario(db, trainee, scenario.key, tier=tier)
    state = RoutineState.from_dict(final["state"])
    assert final["outcome"] == outcome
    assert state.closing == {"elite": scenario.advanced, "strong": scenario.partly, "weak": scenario.stalled}[tier]


def test_with_an_ai_engine_set_up_the_scenario_runs_and_says_who_plays_it(db, trainee, monkeypatch):
    """The scenario's lines are written for it: with an LLM configured (here one that never answers), the page
    says the built-in engine plays it, grades by the scenario's rubric and never waits on the model."""


    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("CLOSERGYM_MODEL", "some-model")
    at = app_for(trainee, "app_pages/sparring.py", query={"scenario": "psychology:labelling"})
    assert any("the built-in engine plays it" in c.value for c in at.caption)
    say(at, "It sounds like you've been let down more than once. What happened with the last one?")
    assert not at.exception and not at.warning
    turn = next(db.query("SELECT tier, engine, reply FROM turns"))
    assert turn == {"tier": "elite", "engine": "builtin", "reply": SCENARIOS["psychology:labelling"].advanced}


def test_closing_and_psychology_sessions_survive_an_export_and_import(db, trainee, tmp_path):
    from closergym import transfer

    run_scenario(db, trainee, "closing:three-stalls", tier="strong")
    run_scenario(db, trainee, "psychology:silence-after-the-ask", tier="weak")
    other = store.open_db(tmp_path / "other.db")
    report = transfer.import_document(other, transfer.read_import_file(transfer.export_json(db, trainee["id"])))
    assert report.added["sessions"] == 2 and report.added["turns"] == 4
    copy = store.get_trainee_by_name(other, trainee["name"])
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert schedule.scenario_cards(other, copy["id"], now=now) == schedule.scenario_cards(db, trainee["id"], now=now)
    other.close()


def test_a_scenario_runs_again_from_its_report_and_links_its_lesson(db, trainee):
    at = app_for(trainee, "app_pages/sparring.py")
    at.segmented_control(key="sparring_track").set_value("psychology").run()
    at.selectbox(key="sparring_psychology_pick").set_value("psychology:cost-of-inaction").run()
    link = next(p for p in at.get("page_link") if p.proto.label.startswith("The lesson behind it"))
    assert link.proto.query_string == "lesson=cost-of-inaction"
    at.button(key="sparring_psychology_start").click().run()
    say(at, "Fair enough. What happens to the backlog between now and next quarter?")
    next(b for b in at.button if b.label == "Drill it again").click().run()
    assert not at.exception
    keys = [r["objection_slug"] for r in db.query("SELECT objection_slug FROM sessions ORDER BY id")]
    assert keys == ["psychology:cost-of-inaction"] * 2 and said(at)[0]["label"] == "Round 1 of 1 · the delay"


def test_a_deep_link_to_an_unknown_scenario_says_so(db, trainee):
    at = app_for(trainee, "app_pages/sparring.py", query={"scenario": "closing:../../etc/passwd"})
    assert not at.exception and sessions.open_session(db, trainee["id"]) is None
    assert any("There is no drill called" in w.value for w in at.warning)
