"""The instructor's day (issue 23): the sign-in token, join links and the Join page, a lost access code, the
dashboard's charts, batch grading's trainee column and file name, and the presenter's line of why."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from closergym import cohorts, demo, presenter, store
from closergym.config import load_config
from closergym.grading import grade_rebuttal
from tests.conftest import app_for, run_cli, unescaped

PASSCODE = "teach-42"
NOW = 1_800_000_000
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


# -- the sign-in token --------------------------------------------------------------------------------------


def test_a_token_holds_for_its_passcode_and_browser_until_it_expires_or_is_signed_out(db):
    token = cohorts.sign_in_token(PASSCODE, browser="b1", now=NOW)
    assert PASSCODE not in token and cohorts.token_holds(db, PASSCODE, token, browser="b1", now=NOW + 60)
    assert not cohorts.token_holds(db, "a-new-passcode", token, browser="b1", now=NOW)  # the passcode changed
    assert not cohorts.token_holds(db, PASSCODE, token, browser="b2", now=NOW)  # read off a projector, elsewhere
    assert not cohorts.token_holds(db, PASSCODE, token, browser="b1", now=NOW + cohorts.SIGN_IN_HOURS * 3600 + 1)
    cohorts.sign_out(db, token, now=NOW)
    assert not cohorts.token_holds(db, PASSCODE, token, browser="b1", now=NOW + 60)
    other = cohorts.sign_in_token(PASSCODE, browser="b1", now=NOW)  # signing in again: a new token
    assert cohorts.token_holds(db, PASSCODE, other, browser="b1", now=NOW)


@pytest.mark.parametrize("token", ["", "x", "a.b.c", "True", "AAAAAAAAAAAA.zz.mac", None])
def test_a_malformed_token_signs_nobody_in(db, token):
    assert not cohorts.token_holds(db, PASSCODE, token, browser="", now=NOW)
    cohorts.sign_out(db, token, now=NOW)  # and signing it out is harmless


def test_a_tampered_token_signs_nobody_in(db):
    nonce, until, mac = cohorts.sign_in_token(PASSCODE, browser="", now=NOW).split(".")
    later = f"{nonce}.{int(until, 16) + 10**6:x}.{mac}"  # a longer life, forged
    assert not cohorts.token_holds(db, PASSCODE, later, browser="", now=NOW)
    assert not cohorts.token_holds(db, "", f"{nonce}.{until}.{mac}", browser="", now=NOW)  # no passcode: no sign-in


def test_signed_out_tokens_are_forgotten_once_expired(db):
    old = cohorts.sign_in_token(PASSCODE, browser="", now=NOW - 2 * cohorts.SIGN_IN_HOURS * 3600)
    cohorts.sign_out(db, old, now=NOW - 2 * cohorts.SIGN_IN_HOURS * 3600)
    cohorts.sign_out(db, cohorts.sign_in_token(PASSCODE, browser="", now=NOW), now=NOW)
    assert db["instructor_sign_outs"].count == 1


def instructor(monkeypatch, *, query: dict | None = None, passcode: str = PASSCODE) -> AppTest:
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", passcode)
    return app_for(None, "app_pages/instructor.py", query=query)


def signed_in(at: AppTest) -> bool:
    return bool(at.main.tabs)


def test_a_reload_keeps_the_instructor_signed_in_and_sign_out_is_one_click(db, monkeypatch):
    at = instructor(monkeypatch)
    at.text_input[0].set_value(PASSCODE)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert signed_in(at)
    token = at.query_params["instructor"]
    token = token[0] if isinstance(token, list) else token
    assert PASSCODE not in token
    reloaded = instructor(monkeypatch, query={"instructor": token})  # a reload: a new session, the same address
    assert signed_in(reloaded) and not reloaded.exception
    reloaded.button(key="instructor_sign_out").click().run()
    assert not signed_in(reloaded) and "instructor" not in reloaded.query_params
    assert not signed_in(instructor(monkeypatch, query={"instructor": token}))  # Back: the old address opens nothing
    assert not signed_in(at.run())  # nor the first tab, at its next run


def test_a_new_passcode_ends_every_sign_in(db, monkeypatch):
    token = cohorts.sign_in_token(PASSCODE, browser="", now=int(time.time()))
    assert signed_in(instructor(monkeypatch, query={"instructor": token}))
    at = instructor(monkeypatch, query={"instructor": token}, passcode="another-passcode")
    assert not signed_in(at) and "instructor" not in at.query_params


# -- join links and the Join page -----------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("https://gym.example.com/", "https://gym.example.com"), ("http://10.0.0.5:8501/closergym/", "http://10.0.0.5:8501/closergym"),
    ("gym.example.com", ""), ("javascript:alert(1)", ""), ("", "")])
def test_the_public_address_setting(tmp_path, value, expected):
    config = load_config({"CLOSERGYM_DB": str(tmp_path / "x.db"), "CLOSERGYM_PUBLIC_URL": value})
    assert config.public_url == expected


def test_join_links_name_the_join_page_and_say_when_they_open_only_here():
    assert cohorts.join_link("https://gym.example.com", "K7QX2M") == "https://gym.example.com/join?cohort=K7QX2M"
    assert cohorts.only_this_computer("http://localhost:8622") and cohorts.only_this_computer("http://127.0.0.1:8501")
    assert not cohorts.only_this_computer("https://gym.example.com")


def test_the_instructor_page_shows_join_links_at_the_public_address(db, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_PUBLIC_URL", "https://gym.example.com")
    cohort = cohorts.create_cohort(db, "Spring bootcamp")
    at = instructor(monkeypatch, query={"instructor": cohorts.sign_in_token(PASSCODE, browser="", now=int(time.time()))})
    assert f"https://gym.example.com/join?cohort={cohort['join_code']}" in [c.value for c in at.code]
    assert not at.warning


def test_a_new_trainee_creates_a_profile_and_joins_in_one_step(db):
    cohort = cohorts.create_cohort(db, "Evening class")
    at = app_for(None, "app_pages/join.py", query={"cohort": cohort["join_code"].lower()})
    assert "You are joining Evening class" in at.header[0].value
    at.text_input(key="join_new_trainee_name").set_value("Rita")
    at.button(key="join_new_trainee_submit").click().run()
    assert not at.exception
    rita = store.get_trainee_by_name(db, "Rita")
    assert cohorts.trainee_cohorts(db, rita["id"]) == [{"id": cohort["id"], "name": "Evening class"}]
    assert any("You joined Evening class" in s.value for s in at.success)
    assert any("Your access code is" in i.value for i in at.info)  # shown once, at the top


def test_a_trainee_already_signed_in_joins_with_one_click(db, trainee):
    cohort = cohorts.create_cohort(db, "Evening class")
    at = app_for(trainee, "app_pages/join.py", query={"cohort": cohort["join_code"]})
    at.button(key="join_as_current").click().run()
    assert cohorts.trainee_cohorts(db, trainee["id"])[0]["name"] == "Evening class"


def test_a_wrong_join_link_says_so_and_asks_for_the_code(db):
    at = app_for(None, "app_pages/join.py", query={"cohort": "NOPE42"})
    assert "does not match any cohort" in at.warning[0].value and not at.exception
    assert [t.label for t in at.text_input] == ["Join code"]


# -- a lost access code ----------------------------------------------------------------------------------------


def test_the_command_line_issues_a_new_code_that_ends_the_old_ones_sessions(db, isolated_db):
    made = store.create_trainee(db, "Lou", private=True)
    done = run_cli("trainees", "--new-code", "lou", db_path=isolated_db)
    assert done.returncode == 0, done.stderr
    new = CODE.search(done.stdout).group()
    fresh = store.get_trainee(db, made["id"])
    assert store.opens(fresh, new) and not store.opens(fresh, made["access_code"])
    at = app_for(None, "app_pages/home.py", query={"trainee": "Lou", "code": made["access_code"]})
    assert "trainee_id" not in at.session_state  # the old code opens nothing any more


def test_an_instructor_issues_a_new_code_from_the_page(db, monkeypatch):
    made = store.create_trainee(db, "Lou", private=True)
    cohorts.join_cohort(db, made["id"], cohorts.create_cohort(db, "Spring")["join_code"])
    owner = app_for(made, "app_pages/home.py")  # Lou's own browser, open with the old code
    at = instructor(monkeypatch, query={"instructor": cohorts.sign_in_token(PASSCODE, browser="", now=int(time.time()))})
    find_profile(at, "lou")
    assert any("Issue a new access code for **Lou** (Spring)?" in m.value for m in at.markdown)
    assert store.opens(store.get_trainee(db, made["id"]), made["access_code"])  # nothing issued before the yes
    next(b for b in at.button if b.label == "Issue the new code").click().run()
    new = CODE.search(" ".join(s.value for s in at.success)).group()
    assert store.opens(store.get_trainee(db, made["id"]), new)
    assert not [b for b in at.button if b.label == "Issue the new code"]  # the question is answered: it goes
    owner.run()
    assert "trainee_id" not in owner.session_state  # the old code's session let the profile go
    find_profile(at, "Nobody")
    assert "None of your cohorts has a member called" in at.warning[-1].value
    find_profile(at, "   ")
    assert "Type the trainee's name" in at.warning[-1].value


def test_a_profile_outside_every_cohort_is_not_an_instructors_to_reopen_and_cancel_issues_nothing(db, monkeypatch):
    solo = store.create_trainee(db, "Solo Sam", private=True)
    member = store.create_trainee(db, "Ann", private=True)
    cohorts.join_cohort(db, member["id"], cohorts.create_cohort(db, "Spring")["join_code"])
    at = instructor(monkeypatch, query={"instructor": cohorts.sign_in_token(PASSCODE, browser="", now=int(time.time()))})
    find_profile(at, "solo sam")
    assert "None of your cohorts has a member called" in at.warning[-1].value
    assert not [b for b in at.button if b.label == "Issue the new code"]
    find_profile(at, "Ann")
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert not [b for b in at.button if b.label == "Issue the new code"]
    for made in (solo, member):
        assert store.opens(store.get_trainee(db, made["id"]), made["access_code"])  # both codes still work


def find_profile(at, name: str) -> None:
    at.text_input(key="instructor_new_code_name").set_value(name)
    next(b for b in at.button if b.label == "Find the profile").click().run()
    assert not at.exception


# -- batch grading ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header, expected", [
    (["objection", "rebuttal", "student"], "student"), (["objection", "rebuttal", "trainee"], "trainee"),
    (["student_name", "objection", "rebuttal"], "student_name"), (["objection", "rebuttal", "rep"], "rep"),
    (["objection", "rebuttal", "learner"], "learner"), (["participant name", "objection", "rebuttal"], "participant name"),
    (["objection", "rebuttal", "name", "student"], "student"), (["objection", "rebuttal", "score"], None),
    (["objection", "rebuttal"], None)])
def test_the_trainee_column_is_found_by_its_common_names(header, expected):
    assert cohorts.trainee_column(header) == expected


def test_batch_grading_keeps_a_student_column_or_the_one_picked():
    raw = b"student,objection,rebuttal,group\nAnn,It's too expensive.,What part worries you most?,A\n"
    found = cohorts.grade_csv(raw)
    assert found.trainee_column == "student" and found.rows[0]["trainee"] == "Ann"
    assert list(found.rows[0])[:3] == ["row", "tier", "score"]  # the grade first
    assert cohorts.grade_csv(raw, trainee="group").rows[0]["trainee"] == "A"
    assert cohorts.grade_csv(raw, trainee=None).rows[0]["trainee"] == ""
    with pytest.raises(cohorts.CohortError, match="no column"):
        cohorts.grade_csv(raw, trainee="nope")


@pytest.mark.parametrize("name, expected", [
    ("week3-answers.csv", "week3-answers-graded.csv"), ("Week 3 answers.CSV", "Week-3-answers-graded.csv"),
    ("../../etc/passwd", "passwd-graded.csv"), ("", "class-exercise-graded.csv"), (".csv", "class-exercise-graded.csv")])
def test_the_graded_file_is_named_after_the_upload(name, expected):
    assert cohorts.graded_file_name(name) == expected


def test_the_batch_tab_finds_a_student_column(db, monkeypatch):
    at = instructor(monkeypatch, query={"instructor": cohorts.sign_in_token(PASSCODE, browser="", now=int(time.time()))})
    at.file_uploader(key="batch_csv").set_value(
        ("week3-answers.csv", b"student,objection,rebuttal\nAnn,It's too expensive.,What part worries you most?\n",
         "text/csv")).run()
    frame = at.dataframe[-1].value
    assert list(frame["trainee"]) == ["Ann"] and not at.exception
    assert next(box for box in at.selectbox if box.label == "The trainee's column").value == "student"


# -- the dashboard's charts, and the presenter's line -------------------------------------------------------------


def test_the_class_charts_have_rows_for_the_demo_cohort(db, monkeypatch):
    made = demo.create_demo_cohort(db, weeks=4, seed=3)
    mix = cohorts.tier_mix(db, made["id"], since="2000-01-01")
    assert {row["tier"] for row in mix} <= {"weak", "strong", "elite"} and len({row["week"] for row in mix}) >= 4
    assert sum(row["answers"] for row in mix) == sum(r["turns"] for r in cohorts.members(db, made["id"], since="2000-01-01"))
    trend = cohorts.move_trend(db, made["id"], since="2000-01-01")
    assert all(0 <= row["average"] <= 2 for row in trend)
    at = instructor(monkeypatch, query={"instructor": cohorts.sign_in_token(PASSCODE, browser="", now=int(time.time()))})
    assert len(at.get("vega_lite_chart")) == 2 and not at.exception


@pytest.mark.parametrize("objection, answer, expected", [
    ("I need to think about it.", "You're wrong, sign today or lose the discount.", "Held at weak by a red flag"),
    ("I need to think about it.", "That makes sense. What part is still on your mind?", "of 8 points"),
    ("We're happy with who we've got, thanks.", "Totally fair. Our onboarding takes two weeks and 90% of clients "
     "see results in a month. Can we talk Tuesday at 10?", "Held at strong by a red flag: not fitted to this objection"),
])
def test_the_presenter_says_why_in_one_line(objection, answer, expected):
    grade = grade_rebuttal(objection, answer)
    line = presenter.why(grade)
    assert expected in line and "\n" not in line and len(line) < 140


def test_the_room_hears_what_a_red_flag_says_not_only_its_name():
    grade = grade_rebuttal("We're happy with who we've got, thanks.", "Totally fair. Our onboarding takes two weeks "
                           "and 90% of clients see results in a month. Can we talk Tuesday at 10?")
    shown = presenter.reveal(grade)
    assert shown["flags"] == ["Not fitted to this objection"]
    assert shown["reasons"] == ["They said they already have someone; your answer never speaks to what they have now"]


def test_the_join_page_shows_a_cohort_name_as_text(db):
    name = "**Bold** [x](http://example.com) <b>"
    cohort = cohorts.create_cohort(db, name)
    at = app_for(None, "app_pages/join.py", query={"cohort": cohort["join_code"]})
    assert unescaped(at.header[0].value) == f"You are joining {name}" and not at.exception


@pytest.mark.parametrize("planted", [True, 1, ["token"], {"a": 1}])
def test_a_planted_sign_in_value_is_no_sign_in_and_no_crash(monkeypatch, planted):
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", PASSCODE)
    at = app_for(None)
    at.session_state["instructor_signed_in"] = planted
    at.switch_page("app_pages/instructor.py").run()
    assert not at.exception
    assert any(box.label.lower().startswith("instructor passcode") for box in at.text_input)


def test_the_class_move_trend_leaves_out_closing_and_psychology_scenarios(db):
    """A scenario is graded on its own steps: its turns' four move columns are not grades of the moves."""
    cohort = cohorts.create_cohort(db, "Spring")
    ann = store.create_trainee(db, "Ann")
    store.add_cohort_member(db, cohort["id"], ann["id"])
    base = {"trainee_id": ann["id"], "prompt": "p", "rebuttal": "r", "tier": "strong", "score": 60}
    store.save_turn(db, {**base, "objection_slug": "too-expensive", "acknowledge": 2, "clarify": 2, "respond": 2,
                         "advance": 2})
    store.save_turn(db, {**base, "source": "psychology", "objection_slug": "psychology:labelling", "acknowledge": 0,
                         "clarify": 0, "respond": 0, "advance": 0})
    trend = cohorts.move_trend(db, cohort["id"], since="2000-01-01")
    assert trend and all(row["average"] == 2 for row in trend)


def test_a_pasted_cohort_name_over_the_limit_is_refused_with_the_limit_not_dropped(db, monkeypatch):
    at = instructor(monkeypatch, query={"instructor": cohorts.sign_in_token(PASSCODE, browser="", now=int(time.time()))})
    box = next(i for i in at.text_input if i.label == "New cohort")
    assert not box.max_chars  # the browser would drop a longer paste without a word
    box.set_value("Spring bootcamp for the whole northern region sales floor, 2027")
    next(b for b in at.button if b.label == "Create cohort").click().run()
    assert f"Keep the cohort name to {cohorts.MAX_COHORT_NAME} characters." in at.warning[0].value
    assert not cohorts.list_cohorts(db)
