"""Bootcamp mode: roles, cohorts, the dashboard with demo data, batch grading, and privacy."""

from __future__ import annotations

import pytest

from closergym import cohorts, demo, store
from closergym.grading import grade_rebuttal
from tests.conftest import app_for, run_cli, unescaped

SINCE = "2000-01-01"


def test_passcode_is_checked_in_constant_time():
    assert cohorts.passcode_matches("open-sesame", "open-sesame")
    assert not cohorts.passcode_matches("open-sesame", "wrong")
    assert not cohorts.passcode_matches("", "")  # no passcode configured: nobody gets in


def test_join_a_cohort_with_its_code(db, trainee):
    cohort = cohorts.create_cohort(db, "Spring bootcamp")
    assert len(cohort["join_code"]) == 6 and set(cohort["join_code"]) <= set(cohorts.JOIN_ALPHABET)
    cohorts.join_cohort(db, trainee["id"], cohort["join_code"].lower())
    cohorts.join_cohort(db, trainee["id"], f" {cohort['join_code']} ")  # twice changes nothing
    assert cohorts.trainee_cohorts(db, trainee["id"]) == [{"id": cohort["id"], "name": "Spring bootcamp"}]
    with pytest.raises(cohorts.CohortError, match="does not match"):
        cohorts.join_cohort(db, trainee["id"], "NOPE42")


@pytest.mark.parametrize("name, message", [("", "name"), ("x" * 61, "60"), ("a\x00b", "control")])
def test_bad_cohort_names(db, name, message):
    with pytest.raises(cohorts.CohortError, match=message):
        cohorts.create_cohort(db, name)


def test_demo_cohort_fills_the_dashboard_and_is_removed_in_one_step(db, trainee):
    made = demo.create_demo_cohort(db, weeks=4, seed=3)
    assert made["trainees"] == 8 and made["turns"] > 100
    rows = cohorts.members(db, made["id"], since=SINCE)
    assert len(rows) == 8 and all(row["turns"] for row in rows)
    assert {m["move"] for m in cohorts.weakest_moves(db, made["id"], since=SINCE)} == {
        "acknowledge", "clarify", "respond", "advance"}
    assert cohorts.weakest_objections(db, made["id"], since=SINCE)
    board = cohorts.leaderboard(rows)
    named = {row["name"] for row in rows if row["show_on_leaderboard"]}
    assert {entry["name"] for entry in board if not entry["name"].startswith("Trainee ")} == named
    assert demo.remove_demo_data(db) == 8
    assert not demo.has_demo_data(db)
    assert store.list_trainees(db) == [trainee]  # the real trainee is untouched
    assert db["turns"].count == 0 and db["cohorts"].count == 0


def test_batch_grading_reads_a_semicolon_csv():
    result = cohorts.grade_csv(b"Objection;Rebuttal\nIt's too expensive.;What part worries you most?\n")
    assert [r["tier"] for r in result.rows] == ["strong"]


def test_batch_grading_a_good_csv():
    raw = (b"objection,rebuttal,trainee\n"
           b"It's too expensive.,\"I hear you, I can get you a discount.\",Ann\n"
           b"I need to think about it.,\"That makes sense. What part is still on your mind?\",Bo\n"
           b"I need to think about it.,,Cy\n")
    result = cohorts.grade_csv(raw)
    assert [(r["trainee"], r["tier"]) for r in result.rows] == [("Ann", "weak"), ("Bo", "strong")]
    assert result.skipped == ["row 3: empty rebuttal"]
    assert b"acknowledge" in result.to_csv().splitlines()[0]


@pytest.mark.parametrize("raw, message", [
    (b"", "empty"),
    (b"question,answer\nx,y\n", "needs the columns objection and rebuttal"),
    ("objection,rebuttal\nTrop cher,\xe9\n".encode("latin-1"), "not UTF-8"),
    (b"objection,rebuttal\n", "no rows"),
    (b"x" * (cohorts.MAX_BATCH_BYTES + 1), "the limit is"),
    (b'objection,rebuttal\n"unclosed quote,blah\nfoo,bar\n', "not readable"),
    (b'"objection,rebuttal\nfoo,bar\n', "not readable"),  # even the header
    (b"objection,rebuttal\n" + b"Too expensive,ok\n" * (cohorts.MAX_BATCH_ROWS + 5), "has 2,005 rows; keep a batch to 2,000"),
])
def test_batch_grading_malformed_files_get_a_clear_message(raw, message):
    with pytest.raises(cohorts.CohortError, match=message):
        cohorts.grade_csv(raw)


# -- privacy ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_private(db):
    alice = store.create_trainee(db, "Alice", private=True)
    bob = store.create_trainee(db, "Bob", private=True)
    store.save_turn(db, {"trainee_id": bob["id"], "prompt": "p", "rebuttal": "BOB-SECRET-REBUTTAL",
                         "tier": "weak", "score": 5, "acknowledge": 0, "clarify": 0, "respond": 0, "advance": 0})
    return alice, bob


PAGES = ["app_pages/home.py", "app_pages/sparring.py", "app_pages/progress.py", "app_pages/settings.py",
         "app_pages/lessons.py", "app_pages/generator.py", "app_pages/calls.py"]


def test_private_trainees_get_an_access_code(db):
    trainee = store.create_trainee(db, "Cass", private=True)
    assert trainee["access_code"] and trainee["access_hash"] != trainee["access_code"]
    assert store.check_access(trainee, trainee["access_code"])
    assert store.check_access(trainee, trainee["access_code"].lower().replace("-", ""))
    assert not store.check_access(trainee, "WRONG-CODE-0000")
    assert not store.check_access(trainee, "")


@pytest.mark.parametrize("page", PAGES)
def test_a_name_in_the_url_without_the_code_opens_nothing(two_private, page):
    alice, bob = two_private
    at = app_for(alice, page, query={"trainee": "Bob"})
    assert not at.exception
    assert at.session_state["trainee_id"] == alice["id"]
    shown = " ".join(str(element) for element in at.main)
    assert "BOB-SECRET-REBUTTAL" not in shown


def test_the_sidebar_never_lists_other_trainees(two_private):
    alice, _ = two_private
    at = app_for(alice)
    sidebar = " ".join(str(element) for element in at.sidebar)
    assert "Bob" not in sidebar


def test_the_right_code_signs_in(two_private, db):
    _, bob = two_private
    at = app_for(None, query={"trainee": "Bob", "code": bob_code(db)})
    assert at.session_state["trainee_id"] == bob["id"]


def bob_code(db) -> str:
    # the code is only shown once, at creation: issue a fresh one the way an instructor reset would
    bob = store.get_trainee_by_name(db, "Bob")
    return store.reset_access_code(db, bob["id"])


# -- the pages ----------------------------------------------------------------------------------------


def instructor_app(trainee, monkeypatch, passcode="let-me-teach"):
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", passcode)
    return app_for(trainee, "app_pages/instructor.py")


def sign_in(at, passcode):
    at.main.text_input[0].set_value(passcode)
    at.main.button[0].click().run()
    return at


def test_instructor_page_is_closed_without_the_passcode(trainee, monkeypatch):
    at = instructor_app(trainee, monkeypatch)
    assert not at.exception and not at.main.tabs
    sign_in(at, "guess")
    assert "not right" in at.error[0].value and not at.main.tabs


def test_solo_mode_explains_how_to_turn_bootcamp_on(trainee):
    at = app_for(trainee, "app_pages/instructor.py")
    assert "Bootcamp mode is off" in at.info[0].value


def test_instructor_creates_a_cohort_sees_the_demo_dashboard_and_grades_a_batch(db, trainee, monkeypatch):
    at = sign_in(instructor_app(trainee, monkeypatch), "let-me-teach")
    assert [t.label for t in at.main.tabs] == ["Cohorts", "Dashboard", "Batch grading", "Demo data"]
    next(b for b in at.button if b.label == "Create demo cohort").click().run()
    assert not at.exception
    assert demo.has_demo_data(db)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Members"] == "8"
    assert len(at.dataframe) == 2  # weakest objections, the leaderboard: nothing named beside it
    names = {row["name"] for row in cohorts.members(db, demo_cohort(db)["id"], since="2000-01-01")
             if not row["show_on_leaderboard"]}
    shown = "\n".join(frame.value.to_csv() for frame in at.dataframe)
    assert not any(name in shown for name in names)
    at.segmented_control(key="dashboard_view").set_value("trainees").run()
    assert len(at.dataframe) == 1  # the named table, alone
    per_trainee = at.dataframe[0].value
    assert len(per_trainee) == 8 and (per_trainee["due today"] >= 0).all()
    assert per_trainee["due today"].sum() > 0  # weeks of weak answers leave cards due
    next(b for b in at.button if b.label == "Remove demo data").click().run()
    assert not demo.has_demo_data(db)


def demo_cohort(db) -> dict:
    return next(c for c in cohorts.list_cohorts(db) if c["is_demo"])


def test_an_empty_cohort_says_how_to_fill_it(db, trainee, monkeypatch):
    cohort = cohorts.create_cohort(db, "Monday class")
    at = sign_in(instructor_app(trainee, monkeypatch), "let-me-teach")
    assert not at.exception and not at.dataframe and not at.metric
    assert any("Nobody has joined Monday class yet" in i.value and cohort["join_code"] in i.value for i in at.info)
    assert "Batch grading" in [t.label for t in at.main.tabs]  # the other tabs still draw


def test_a_trainee_joins_from_settings(db, trainee):
    cohort = cohorts.create_cohort(db, "Evening class")
    at = app_for(trainee, "app_pages/settings.py", query={"join": cohort["join_code"]})
    next(b for b in at.button if b.label == "Join").click().run()
    assert not at.exception
    assert cohorts.trainee_cohorts(db, trainee["id"])[0]["name"] == "Evening class"
    assert "You joined" in at.success[0].value
    assert any("Your cohorts: **Evening class**" in m.value for m in at.markdown)  # listed at once
    next(i for i in at.text_input if i.label == "Join a cohort").set_value(cohort["join_code"])
    next(b for b in at.button if b.label == "Join").click().run()
    assert "already in" in at.info[0].value


def test_a_pasted_join_link_joins_and_an_empty_box_says_what_to_type(db, trainee):
    cohort = cohorts.create_cohort(db, "Night class")
    at = app_for(trainee, "app_pages/settings.py")
    join = next(i for i in at.text_input if i.label == "Join a cohort")
    join.set_value("   ")
    next(b for b in at.button if b.label == "Join").click().run()
    assert "Type the join code" in at.warning[0].value and not cohorts.trainee_cohorts(db, trainee["id"])
    join = next(i for i in at.text_input if i.label == "Join a cohort")
    join.set_value(f"https://gym.example.com/join?cohort={cohort['join_code']}")  # the whole link, pasted
    next(b for b in at.button if b.label == "Join").click().run()
    assert "You joined" in at.success[0].value


def test_the_join_page_takes_a_pasted_link_and_says_what_an_empty_box_lacks(db, trainee):
    cohort = cohorts.create_cohort(db, "Night class")
    at = app_for(trainee, "app_pages/join.py")
    next(b for b in at.button if b.label == "Find my cohort").click().run()
    assert "Type the join code" in at.warning[0].value
    at.text_input[0].set_value(f"http://localhost:8501/join?cohort={cohort['join_code'].lower()}")
    next(b for b in at.button if b.label == "Find my cohort").click().run()
    assert not at.exception and any("Night class" in m.value for m in [*at.markdown, *at.header])


def test_the_leaderboard_switch_takes_every_click(db, trainee):
    at = app_for(trainee, "app_pages/settings.py")
    saved = []
    for _ in range(4):
        switch = next(t for t in at.toggle if t.label.startswith("Show my name"))
        switch.set_value(not switch.value).run()
        saved.append(store.get_trainee(db, trainee["id"])["show_on_leaderboard"])
    assert saved == [1, 0, 1, 0]


def test_the_dashboard_averages_the_period_only(db, trainee):
    cohort = cohorts.create_cohort(db, "Weekend class")
    cohorts.join_cohort(db, trainee["id"], cohort["join_code"])
    for score, when in ((20, "2026-01-05T10:00:00"), (90, "2026-06-01T10:00:00")):
        store.save_turn(db, {"trainee_id": trainee["id"], "source": "sparring", "round": 1, "objection_slug": None,
                             "prompt": "p", "rebuttal": "r", "tier": "elite" if score > 75 else "weak",
                             "score": score, "acknowledge": 0, "clarify": 0, "respond": 0, "advance": 0,
                             "grade": {}, "created_at": when})
    recent, = cohorts.members(db, cohort["id"], since="2026-05-01")
    assert (recent["turns"], recent["turns_recent"], recent["average"], recent["elite_rate"]) == (2, 1, 90, 100)
    assert cohorts.leaderboard([recent])[0]["rebuttals"] == 1
    assert cohorts.leaderboard(cohorts.members(db, cohort["id"], since="2026-07-01")) == []


def test_the_graded_table_cannot_carry_a_spreadsheet_formula():
    raw = b'objection,rebuttal,trainee\nIt is too expensive.,"=HYPERLINK(""http://x.example"",""click"")",@Ann\n'
    table = cohorts.grade_csv(raw).to_csv().decode()
    assert "'=HYPERLINK" in table and "'@Ann" in table and ",=" not in table


def test_presenter_view_hides_personal_data_and_reveals_the_grade_on_demand(db, trainee):
    at = app_for(trainee, query={"present": "1"})
    assert not at.exception
    assert not at.sidebar.selectbox and "Sam" not in " ".join(str(e) for e in at.main)
    at.text_area(key="present_text").set_value("That makes sense. What part is still on your mind?")
    next(b for b in at.button if "Grade it" in b.label).click().run()
    assert any("Guess first" in m.value for m in at.markdown)
    assert not any("STRONG" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Reveal the grade").click().run()
    assert any("STRONG" in t.value for t in at.title)  # the tier, large, with the score and one line of why
    from closergym import presenter
    from closergym.grading import Grade

    graded = Grade.from_dict(at.session_state["present_round"]["grades"][-1])
    assert presenter.why(graded) in [s.value for s in at.subheader]
    assert any("Clarify / isolate" in m.value and "What part is still on your mind?" in m.value for m in at.markdown)
    assert not at.text_area  # the prospect's next line waits for the presenter's key
    next(b for b in at.button if b.label == "The prospect answers").click().run()
    prompts = at.session_state["present_round"]["state"]["prompts"]
    assert len(prompts) == 2 and at.text_area(key="present_text")  # the next line, to answer
    assert any(prompts[-1] in unescaped(h.value) for h in [*at.header, *at.subheader])
    assert db["turns"].count == 0  # class practice never lands in anyone's history


def test_an_import_cannot_write_into_someone_elses_private_profile(two_private, db, tmp_path):
    from closergym import transfer

    alice, bob = two_private
    source = store.open_db(tmp_path / "forged.db")
    forged = store.create_trainee(source, "Bob")
    grade = grade_rebuttal("Too pricey", "PLANTED")
    store.save_turn(source, {"trainee_id": forged["id"], "prompt": "p", "rebuttal": "PLANTED", "tier": grade.tier,
                             "score": grade.score, **grade.points, "grade": grade.to_dict()})
    at = app_for(alice, "app_pages/settings.py")
    at.file_uploader(key="settings_import_file_0").set_value(
        ("bob.json", transfer.export_json(source, forged["id"]), "application/json")).run()
    at.button(key="settings_import_button").click().run()
    assert "private profile" in at.error[0].value and "Nothing was imported" in at.error[0].value
    assert [t["rebuttal"] for t in transfer.export_trainee(db, bob["id"])["turns"]] == ["BOB-SECRET-REBUTTAL"]


def test_demo_data_command_creates_and_removes_the_cohort(db, trainee, isolated_db):
    made = run_cli("demo-data", "--weeks", "2", db_path=isolated_db)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Created “Demo cohort”: 8 demo trainees,") and "join code" in made.stdout
    assert demo.has_demo_data(db) and db["trainees"].count == 9
    removed = run_cli("demo-data", "--remove", db_path=isolated_db)
    assert removed.stdout.strip() == "Removed the demo data (8 demo trainees)."
    assert store.list_trainees(db) == [trainee]
    again = run_cli("demo-data", "--remove", db_path=isolated_db)
    assert again.stdout.strip() == "There was no demo data."


def test_a_new_access_code_replaces_the_old_one(db, two_private):
    alice, _ = two_private
    at = app_for(None, "app_pages/settings.py", query={"trainee": "Alice", "code": alice["access_code"]})
    assert at.session_state["trainee_id"] == alice["id"]
    at.button(key="profile_new_code").click().run()
    assert not at.exception
    new = at.query_params["code"][0] if isinstance(at.query_params["code"], list) else at.query_params["code"]
    assert new != alice["access_code"]
    fresh = store.get_trainee(db, alice["id"])
    assert store.check_access(fresh, new) and not store.check_access(fresh, alice["access_code"])
    assert any(new in block.value for block in at.code)  # the new private link is shown
    assert any(new in s.value for s in at.success)  # and the code itself, inside the popover that asked


@pytest.mark.parametrize(("objection", "answer"), [("objection", "answer"), ("Objection", "Response"),
                                                   ("prompt", "reply"), ("objection_text", "your answer")])
def test_batch_grading_reads_common_names_for_the_answer_column(objection, answer):
    raw = (f"student,{objection},{answer}\nAna,It's too expensive,\"I hear you. Compared to what? "
           "Could we look at it on Tuesday at 10?\"\n").encode()
    result = cohorts.grade_csv(raw)
    assert [row["trainee"] for row in result.rows] == ["Ana"] and result.rows[0]["rebuttal"].startswith("I hear you")


def test_a_class_csv_saved_as_utf16_by_excel_is_graded():
    table = "objection,rebuttal\nIt's too expensive.,That makes sense. What budget did you have in mind?\n"
    graded = cohorts.grade_csv(table.encode("utf-16"))
    assert len(graded.rows) == 1
