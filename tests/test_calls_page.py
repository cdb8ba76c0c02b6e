"""The Grade a call page in AppTest: paste, the timeline, picking the rep, save to progress, delete, bad input."""

from __future__ import annotations

from pathlib import Path

from closergym import calls, store
from tests.conftest import app_for, unescaped
from tests.test_calls import REVIEWED

PAGE = "app_pages/calls.py"
FLEET = (Path(__file__).parent / "data" / "calls" / "fleet-call.txt").read_text()


def graded(trainee, text: str = FLEET):
    at = app_for(trainee, PAGE)
    at.text_area(key="calls_text").set_value(text)
    next(b for b in at.button if b.label == "Grade this call").click().run()
    assert not at.exception
    return at


def shown(at) -> str:
    return "\n".join(unescaped(m.value) for m in at.markdown)


def test_a_pasted_call_becomes_a_graded_timeline(db, trainee):
    at = graded(trainee)
    assert at.title[0].value == ":material/call: Grade a call"
    assert {m.label: m.value for m in at.metric} == {"Objections found": "3", "Not answered": "0",
                                                   "Average score": at.metric[2].value}
    text = shown(at)
    report = calls.grade_call(FLEET)
    for exchange in report.exchanges:
        assert f"**{exchange.index}. {exchange.title}**" in text
        assert exchange.objection in text and exchange.answer in text
        assert f"{exchange.grade.tier.upper()} · {exchange.grade.score}/100" in text
    assert "“we could probably do a discount”" in text or "discount" in text  # the red flag, with its phrase
    assert text.count("**A better line**") == 3
    links = [(link.proto.page, link.proto.query_string) for link in at.get("page_link")
             if link.proto.label == "Drill this objection"]
    assert links == [("sparring", f"objection={e.slug}") for e in report.exchanges]
    assert at.selectbox(key="calls_rep_1").value == "Priya Shah"
    [row] = store.list_calls(db, trainee["id"])
    assert row["title"] == "Priya Shah with Marcus Bell" and row["rep"] == "Priya Shah"
    assert at.text_area(key="calls_text").value == ""  # the box is empty again: the call is kept below


def test_picking_the_other_speaker_grades_their_answers(db, trainee):
    at = graded(trainee)
    at.selectbox(key="calls_rep_1").set_value("Marcus Bell").run()
    assert not at.exception
    assert store.get_call(db, 1, trainee_id=trainee["id"])["rep"] == "Marcus Bell"
    # Priya's lines object to nothing: no row now, and the page says where to look
    assert calls.grade_call(FLEET, rep="Marcus Bell").exchanges == ()
    assert {m.label: m.value for m in at.metric}["Objections found"] == "0"
    assert any("check who is the rep above" in info.value for info in at.info)
    at.selectbox(key="calls_rep_1").set_value("Priya Shah").run()
    assert {m.label: m.value for m in at.metric}["Objections found"] == "3"
    assert store.get_call(db, 1, trainee_id=trainee["id"])["title"] == "Priya Shah with Marcus Bell"


def test_save_to_progress_then_delete(db, trainee):
    at = graded(trainee)
    next(b for b in at.button if b.key == "calls_save").click().run()
    assert not at.exception
    assert at.success[0].value == "Saved 3 graded answers to your progress."
    assert [r["source"] for r in db.query("SELECT source FROM turns")] == ["call"] * 3
    assert at.selectbox(key="calls_rep_1").disabled
    assert not any(b.key == "calls_save" for b in at.button)
    assert any("3 answers from this call are in your progress" in c.value for c in at.caption)
    next(b for b in at.button if b.key == "calls_delete").click().run()
    assert not at.exception
    assert at.success[0].value == "The call was deleted, with the 3 answers saved from it."
    assert db["calls"].count == 0 and db["turns"].count == 0
    assert not at.metric


def test_an_unanswered_objection_shows_no_answer(trainee):
    at = graded(trainee, "Sam: Any questions so far?\nJo: Honestly it's too expensive for us.\n"
                         "Kim: And we'd have to run it by our board.\nSam: Makes sense, who sits on it?")
    assert {m.label: m.value for m in at.metric}["Not answered"] == "1"
    assert "No answer" in shown(at)


def test_a_price_answered_with_ok_is_shown_unanswered_and_the_cfo_named_in_the_better_line(trainee):
    at = graded(trainee, REVIEWED)
    assert {m.label: m.value for m in at.metric}["Objections found"] == "4"
    assert {m.label: m.value for m in at.metric}["Not answered"] == "1"
    text = shown(at)
    assert "And your price is double what we pay now." in text
    assert "Sarah Jones said only “OK.” and moved on without answering this objection." in text
    cfo = next(unescaped(m.value) for m in at.markdown if "**A better line**" in m.value and "Maria" in m.value)
    assert "your CFO, Maria," in cfo and "both of you" not in cfo
    assert any(b.label == "Save 3 graded answers to my progress" for b in at.button)


def test_one_graded_answer_is_singular(trainee):
    at = graded(trainee, "Ann: What do you think so far?\nBo: Honestly it's too expensive for us.\n"
                         "Ann: I hear you. What are you comparing it to?")
    assert any(b.label == "Save 1 graded answer to my progress" for b in at.button)
    next(b for b in at.button if b.key == "calls_save").click().run()
    assert at.success[0].value == "Saved 1 graded answer to your progress."
    assert any("1 answer from this call is in your progress" in c.value for c in at.caption)


def test_the_upload_box_states_the_real_limit(trainee):
    at = app_for(trainee, PAGE)
    [box] = at.get("file_uploader")
    assert "up to 1 MB" in box.proto.label and "1 MB" in box.proto.help and "KB" not in box.proto.help
    assert box.proto.max_upload_size_mb == 1  # the same limit, not the server's 200 MB default


def test_bad_transcripts_are_a_message_and_nothing_is_kept(db, trainee):
    for text, message in [("Priya: Hello? Anyone there?", "Only one speaker found (Priya)"),
                          ("hello\nit is too expensive", "No speaker names found"),
                          ("Priya: hi\nMarcus: no\n" * 120_000, "Closer Gym grades calls up to 1 MB")]:
        at = graded(trainee, text)
        assert message in at.warning[0].value
        assert db["calls"].count == 0
        assert not at.metric


def test_a_call_in_another_language_says_english(trainee):
    at = graded(trainee, "Ana: Hola Pedro, ¿cómo está el equipo?\nPedro: Es demasiado caro para nosotros ahora "
                         "mismo, no tenemos presupuesto.\nAna: Entiendo. ¿Con qué lo está comparando?\n")
    assert any("This grader reads English" in info.value for info in at.info)
    assert any("No objection found in this call" in info.value for info in at.info)


def test_another_trainee_never_sees_the_call(db, trainee):
    graded(trainee)
    other = store.create_trainee(db, "Lee")
    at = app_for(other, PAGE)
    assert not at.exception
    assert not at.selectbox and not at.metric
    at.session_state["calls_call_id"] = 1  # a stale id in the session: still not theirs
    at.run()
    assert not at.metric and not at.exception


def test_without_a_trainee_the_page_asks_who_is_training():
    at = app_for(None, PAGE)
    assert not at.exception
    assert at.text_input(key="page_new_trainee_name")
    assert not at.text_area


def test_drill_again_opens_the_library_drill_or_the_prospects_own_words():
    from closergym.content import library
    from components.call_view import drill_params

    known = calls.Exchange(1, None, "Bo", "It's too expensive.", "It's too expensive.", "too-expensive", "t", None)
    new = calls.Exchange(2, None, "Bo", "x", "Our landlord would never allow it. " * 20, None, "t", None)
    assert drill_params(known, library()) == {"objection": "too-expensive"}
    assert drill_params(new, library()) == {"custom": new.objection[:300]}


def test_what_the_call_says_is_drawn_as_text(trainee):
    at = graded(trainee, "Ann: What do you think so far?\n"
                         "Bo: It's too expensive <b>now</b> **really**, see [our budget](https://evil.example)\n"
                         "Ann: I hear you. What are you comparing it to? <img src=x onerror=alert(1)>")
    row = next(m.value for m in at.markdown if m.value.startswith(":material/support_agent:"))
    assert r"\[our budget\]\(https" in row and r"\*\*really\*\*" in row
    assert "too expensive now " in row and "<b>" not in row and "<img" not in row  # markup is no words anyone said
    assert all(not m.proto.allow_html for m in at.markdown)


def test_a_calls_better_lines_use_the_teams_product_and_invent_no_claims(db, trainee):
    """The team's product facts (Your product) reach a call's better lines, as they reach sparring's."""
    from closergym import team
    from tests.test_team import GENERIC_CLAIMS, PRODUCT

    team.save_product(db, f"trainee:{trainee['id']}", PRODUCT)
    better = [unescaped(m.value) for m in graded(trainee, REVIEWED).markdown if "**A better line**" in m.value]
    assert better and any("Ledgerly" in line or "$400 a month" in line for line in better)
    assert not any(claim in line.lower() for line in better for claim in GENERIC_CLAIMS)


def test_the_same_call_graded_twice_is_kept_once(db, trainee):
    """A double click on "Grade this call", or the same file uploaded again, is not a second copy."""
    at = graded(trainee)
    at.text_area(key="calls_text").set_value(FLEET)
    next(b for b in at.button if b.label == "Grade this call").click().run()
    assert not at.exception and db["calls"].count == 1
    assert "You saved this call before" in at.info[0].value
    assert len(at.selectbox(key="calls_call_id").options) == 1
