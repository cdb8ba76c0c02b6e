"""Grading a real call: the three transcript formats, pairing objections with answers, grades equal to the
rubric's own, saving to progress and deleting, the command line, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closergym import analytics, calls, schedule, store, transfer
from closergym.content import library
from closergym.grading import grade_rebuttal
from tests.conftest import run_cli

CALLS = Path(__file__).parent / "data" / "calls"
FLEET = (CALLS / "fleet-call.txt").read_text()


# -- the three formats -----------------------------------------------------------------------------------


def test_plain_text_with_times_and_a_continued_line():
    transcript = calls.parse("[00:00:04] Priya: Hi Marcus, is now good?\n[00:00:09] Marcus: Yes.\n"
                             "  and I have twenty minutes.\nPriya: Great.\n[01:02:03] Marcus: It's too expensive.")
    assert transcript.format == "text"
    assert [(t.speaker, t.text, t.time) for t in transcript.turns] == [
        ("Priya", "Hi Marcus, is now good?", 4.0), ("Marcus", "Yes. and I have twenty minutes.", 9.0),
        ("Priya", "Great.", None), ("Marcus", "It's too expensive.", 3723.0)]


def test_plain_text_keeps_a_colon_inside_a_line_as_words():
    transcript = calls.parse("Priya: Hi?\nMarcus: No.\nPriya: Why?\nMarcus: Two things.\n"
                             "Look: we have no budget.\nPriya: Okay.")
    assert [t.speaker for t in transcript.turns] == ["Priya", "Marcus", "Priya", "Marcus", "Priya"]
    assert transcript.turns[3].text == "Two things. Look: we have no budget."


def test_webvtt_voice_tags_and_cues_joined_per_speaker():
    transcript = calls.parse((CALLS / "teams-call.vtt").read_text())
    assert transcript.format == "vtt"
    assert [(t.speaker, t.time) for t in transcript.turns] == [
        ("Priya Shah", 1.2), ("Marcus Bell", 4.5), ("Priya Shah", 8.5), ("Marcus Bell", 18.0)]
    assert transcript.turns[2].text == ("Of course, it's a real decision. What part is still on your mind: the cost, "
                                        "the switch, or something else?")
    assert "<" not in "".join(t.text for t in transcript.turns)


def test_webvtt_with_name_prefixes_and_a_voice_class():
    text = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna Ruiz: Hello there?\n\n"
            "2\n00:00:03.000 --> 00:00:05.000\n<v.loud Ben>It's <b>too</b> expensive.</v>\n")
    transcript = calls.parse(text)
    assert [(t.speaker, t.text) for t in transcript.turns] == [("Ana Ruiz", "Hello there?"),
                                                                ("Ben", "It's too expensive.")]


def test_srt_with_name_prefixes_and_windows_line_ends():
    text = (CALLS / "zoom-call.srt").read_text().replace("\n", "\r\n")
    transcript = calls.parse(text)
    assert transcript.format == "srt"
    assert [(t.speaker, t.time) for t in transcript.turns] == [
        ("Priya Shah", 1.0), ("Marcus Bell", 4.0), ("Priya Shah", 7.5), ("Marcus Bell", 12.5)]
    assert transcript.turns[1].text == "Honestly, it is too expensive for us right now."


def test_a_broken_subtitle_file_is_a_message():
    with pytest.raises(calls.CallError, match="WebVTT file, but no cue in it could be read"):
        calls.parse("WEBVTT\n\n00:00:xx.000 --> 00:00:02.000\nAna: Hi\n")
    with pytest.raises(calls.CallError, match="SRT file, but no cue in it could be read"):
        calls.parse("1\n00:00:01,000 --> 00:00:02,000\n\n")


# -- who is the rep, and what was objected -----------------------------------------------------------------


def test_the_rep_is_who_asks_the_most_questions_and_can_be_chosen():
    report = calls.grade_call(FLEET)
    assert report.rep == "Priya Shah"
    assert calls.default_rep(calls.parse("Ann: Hello.\nBo: Hi.\n")) == "Ann"  # a tie: the first to speak
    other = calls.grade_call(FLEET, rep="marcus bell")  # any case
    assert other.rep == "Marcus Bell"
    assert all(exchange.speaker == "Priya Shah" for exchange in other.exchanges)
    with pytest.raises(calls.CallError, match="Nobody called “Dana” speaks in this call"):
        calls.grade_call(FLEET, rep="Dana")


def test_each_objection_is_paired_with_the_reps_next_answer():
    report = calls.grade_call(FLEET)
    pairs = [(e.slug, calls.clock(e.time), e.answer) for e in report.exchanges]
    assert pairs == [
        ("happy-with-current", "1:02", "That makes sense, five years is a long relationship. What would you change about "
         "FleetTrack if you could? A lot of teams keep their tracker and use us just for route planning on top of it."),
        ("too-expensive", "2:10", "Yeah, I mean, we could probably do a discount if you sign this week."),
        ("send-info", "2:40", "Sure, I'll email it over today."),
    ]
    # the prospect's small talk and answers to questions are not objections
    assert not any("Forty-two" in e.said or "twenty minutes" in e.said for e in report.exchanges)


def test_small_talk_answers_and_logistics_are_not_objections():
    report = calls.grade_call(
        "Alex: Morning Jamie, how's the week going?\nJamie: Good, busy but good. We just closed the quarter.\n"
        "Alex: How much are you spending on cloud today?\nJamie: About forty thousand a month, and half is waste.\n"
        "Alex: Would a report of where it goes help? I can set it up on Thursday.\n"
        "Jamie: Sure, Thursday at two works. Send me the invite.\nAlex: Done. Talk then.")
    assert report.exchanges == ()
    assert [e.slug for e in calls.grade_call("Ann: Got a minute?\nBo: Not interested.\nAnn: Fair. May I ask why?")
            .exchanges] == ["not-interested"]  # two words will do when they are the library's own


def test_a_nod_from_the_rep_is_not_the_answer():
    report = calls.grade_call("Rep: How did the last system go?\nBuyer: We tried one before and it was a disaster.\n"
                              "Rep: Right.\nBuyer: The drivers hated it, so you see why I'm careful.\n"
                              "Rep: That makes sense. What went wrong with it? Could we run a pilot on one shift?")
    [exchange] = report.exchanges
    assert exchange.slug == "tried-before"
    assert exchange.answer == "That makes sense. What went wrong with it? Could we run a pilot on one shift?"


def test_an_objection_the_rep_never_answered_is_a_row_with_no_answer():
    report = calls.grade_call("Sam: Any questions so far?\nJo: Honestly it's too expensive for us.\n"
                              "Kim: And we'd have to run it by our board.\nSam: Makes sense, who sits on it?")
    first, second = report.exchanges
    assert (first.slug, first.answer, first.grade) == ("too-expensive", None, None)
    assert first.to_dict() == {"objection": "Honestly it's too expensive for us.", "answer": None, "tier": None,
                               "score": None, "slug": "too-expensive", "title": first.title, "speaker": "Jo",
                               "time": None}
    assert second.answer == "Makes sense, who sits on it?" and second.grade is not None


REVIEWED = ("[00:00:09] Ken Wu: Look, we already use Salesforce and we're happy with it.\n"
            "[00:00:15] Sarah Jones: Totally get that. What would make you even consider looking elsewhere?\n"
            "[00:00:22] Ken Wu: Nothing really. And your price is double what we pay now.\n"
            "[00:00:30] Sarah Jones: OK.\n"
            "[00:00:33] Ken Wu: Also I'm not the one who signs, that's our CFO, Maria.\n"
            "[00:00:41] Sarah Jones: Would it help if I sent Maria a one-pager and we set up 15 minutes with her "
            "Thursday at 10?\n"
            "[00:00:50] Ken Wu: Call me next quarter, we're slammed.\n"
            "[00:00:55] Sarah Jones: Sure thing, talk then!\n")


def test_a_price_set_against_what_they_pay_now_is_an_objection():
    report = calls.grade_call(REVIEWED)
    assert [(calls.clock(e.time), e.slug) for e in report.exchanges] == [
        ("0:09", "happy-with-current"), ("0:22", "too-expensive"), ("0:33", report.exchanges[2].slug),
        ("0:50", "call-next-quarter")]
    assert report.exchanges[1].objection == "And your price is double what we pay now."
    for said in ("Your price is twice what Salesforce costs us.", "Honestly the fee is way higher than our budget."):
        assert calls.read_objection(said, library()) is not None, said


def test_a_bare_ok_from_the_rep_leaves_the_objection_unanswered():
    price = calls.grade_call(REVIEWED).exchanges[1]
    assert (price.answer, price.grade, price.nod) == (None, None, "OK.")
    assert price.to_dict()["answer"] is None
    assert [calls.is_nod(said) for said in ("OK.", "Right, got it.", "Mm-hmm.", "OK?", "Sure, no problem.",
                                            "OK. What are you comparing it to?")] == [True, True, True, False,
                                                                                        False, False]


def test_the_better_line_for_who_decides_names_whom_the_prospect_named():
    lib = library()
    cfo = calls.grade_call(REVIEWED).exchanges[2]
    assert calls.named_decider(cfo.objection) == ("CFO", "Maria")
    line = calls.better_line(cfo, lib)
    assert "your CFO, Maria," in line and "Maria look at" in line
    assert not any(word in line for word in ("partners", "both of you", "boss"))
    assert cfo.slug == "run-by-boss"  # the boss's sign-off, not "my partner handles the money decisions"
    partner = calls.grade_call("Dana: What do you think so far?\nMike: But I need to run it by my business partner "
                               "first.\nDana: Sure, no problem, just let me know.").exchanges[0]
    assert partner.slug == "partner-decides"
    assert "boss" not in calls.better_line(partner, lib)
    # a decider the library has no line for gets the same moves, addressed to them
    board = calls.Exchange(1, None, "Mike", "x", "Not my call, our board decides.", "partner-decides", "t", None)
    line = calls.better_line(board, lib)
    assert "your board" in line and "both of you" not in line
    # a decider the model answer already speaks of keeps the library's line
    boss = calls.grade_call("Dana: What do you think so far?\nMike: I need to run it by my boss first.\n"
                            "Dana: Sure, no problem.").exchanges[0]
    assert calls.better_line(boss, lib) == boss.grade.feedback.better


def test_each_grade_is_the_rubrics_grade_of_the_same_text():
    report = calls.grade_call(FLEET)
    assert len(report.graded) == 3
    for exchange in report.graded:
        assert exchange.grade == grade_rebuttal(exchange.objection, exchange.answer, objection_slug=exchange.slug)
    tiers = [e.grade.tier for e in report.exchanges]
    assert tiers[0] in ("strong", "elite") and tiers[1] == "weak"  # the instant discount caps it
    assert any(flag.code == "discount" for flag in report.exchanges[1].grade.red_flags)


# -- storage: save to progress, delete ---------------------------------------------------------------------


def stored(db, trainee, text=FLEET):
    report = calls.grade_call(text)
    call = store.save_call(db, trainee_id=trainee["id"], title=calls.title_for(report.transcript, report.rep),
                           format=report.transcript.format, transcript=text, rep=report.rep)
    return call, report


def test_saved_answers_count_in_progress_and_spaced_repetition(db, trainee):
    call, report = stored(db, trainee)
    assert call["title"] == "Priya Shah with Marcus Bell"
    assert store.save_call_turns(db, call["id"], trainee_id=trainee["id"], turns=calls.turn_rows(report)) == 3
    assert store.save_call_turns(db, call["id"], trainee_id=trainee["id"], turns=calls.turn_rows(report)) == 0
    rows = list(db.query("SELECT source, objection_slug, prompt, rebuttal, tier, score FROM turns ORDER BY id"))
    assert [(r["source"], r["objection_slug"], r["tier"], r["score"]) for r in rows] == [
        ("call", e.slug, e.grade.tier, e.grade.score) for e in report.graded]
    assert rows[1]["rebuttal"] == report.exchanges[1].answer
    assert analytics.headline(db, trainee["id"])["rebuttals_total"] == 3  # Progress counts them
    cards = {card.slug: card for card in schedule.objection_cards(db, trainee["id"])}
    assert cards["too-expensive"].reviews == 1 and cards["send-info"].reviews == 1
    assert store.call_turns_saved(db, call["id"], trainee_id=trainee["id"]) == 3
    exported = json.loads(transfer.export_json(db, trainee["id"]))  # call turns go out, and back in
    other = store.create_trainee(db, "Lee")
    assert transfer.import_document(db, exported, as_trainee="Lee").summary()
    assert store.trainee_counts(db, other["id"])["turns"] == 3


def test_delete_removes_the_transcript_and_its_answers_for_its_owner_only(db, trainee):
    call, report = stored(db, trainee)
    store.save_call_turns(db, call["id"], trainee_id=trainee["id"], turns=calls.turn_rows(report))
    schedule.objection_cards(db, trainee["id"])  # cards cached with the call's answers in them
    sparring = store.create_session(db, trainee_id=trainee["id"], kind="sparring", objection_slug="too-expensive")
    store.save_turn(db, {"trainee_id": trainee["id"], "session_id": sparring["id"], "objection_slug": "too-expensive",
                         "prompt": "p", "rebuttal": "r", "tier": "strong", "score": 60, "acknowledge": 1,
                         "clarify": 1, "respond": 1, "advance": 1})
    intruder = store.create_trainee(db, "Eve")
    assert store.get_call(db, call["id"], trainee_id=intruder["id"]) is None
    assert store.delete_call(db, call["id"], trainee_id=intruder["id"]) == 0
    with pytest.raises(ValueError, match="not found"):
        store.save_call_turns(db, call["id"], trainee_id=intruder["id"], turns=calls.turn_rows(report))
    assert store.list_calls(db, intruder["id"]) == [] and len(store.list_calls(db, trainee["id"])) == 1

    assert store.delete_call(db, call["id"], trainee_id=trainee["id"]) == 3
    assert db["calls"].count == 0
    assert [r["source"] for r in db.query("SELECT source FROM turns")] == ["sparring"]
    cards = {card.slug: card for card in schedule.objection_cards(db, trainee["id"])}
    assert cards["too-expensive"].reviews == 1 and cards["send-info"].reviews == 0


def test_the_rep_picked_is_kept(db, trainee):
    call, _ = stored(db, trainee)
    store.set_call_rep(db, call["id"], trainee_id=trainee["id"], rep="Marcus Bell", title="Marcus Bell with Priya Shah")
    assert store.get_call(db, call["id"], trainee_id=trainee["id"])["rep"] == "Marcus Bell"
    assert "009_calls" in store.applied_migrations(db)


# -- the command line ---------------------------------------------------------------------------------------


def test_cli_prints_one_line_per_objection(isolated_db):
    result = run_cli("call", str(CALLS / "fleet-call.txt"), db_path=isolated_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("1:02 [") and "happy-with-current" in lines[0]
    assert lines[1].startswith("2:10 [WEAK ") and "discount" in lines[1]
    assert "Rep: Priya Shah · 3 objection(s) found" in result.stderr


def test_cli_json_and_no_answer(isolated_db):
    result = run_cli("call", str(CALLS / "zoom-call.srt"), "--json", db_path=isolated_db)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    report = calls.grade_call((CALLS / "zoom-call.srt").read_text())
    assert [{key: row[key] for key in ("objection", "answer", "tier", "score")} for row in rows] == [
        {"objection": e.objection, "answer": e.answer, "tier": e.grade.tier if e.grade else None,
         "score": e.grade.score if e.grade else None} for e in report.exchanges]
    assert rows[-1]["answer"] is None and rows[-1]["tier"] is None
    text = run_cli("call", str(CALLS / "zoom-call.srt"), db_path=isolated_db)
    assert text.returncode == 0 and "[no answer]" in text.stdout.splitlines()[-1]


def test_cli_refuses_bad_input_with_one_line(isolated_db, tmp_path):
    one = tmp_path / "one.txt"
    one.write_text("Priya: Hello? Anyone there?\n")
    result = run_cli("call", str(one), db_path=isolated_db)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Only one speaker found (Priya)" in result.stderr
    big = tmp_path / "big.txt"
    big.write_text("Priya: hello\n" * 200_000)
    result = run_cli("call", str(big), db_path=isolated_db)
    assert result.returncode == 2 and "is over 1 MB" in result.stderr and "Traceback" not in result.stderr


# -- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("", "Paste a call transcript first"),
    ("   \n\u200b\n", "Paste a call transcript first"),
    ("Hi there, thanks for your time.\nIt is too expensive for us.\n", "No speaker names found"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there\n", "No speaker names found"),
    ("Priya: Hi.\nPriya: It's too expensive?\n", "Only one speaker found (Priya)"),
])
def test_transcripts_that_cannot_be_graded_say_why(text, message):
    with pytest.raises(calls.CallError, match=message.replace("(", r"\(").replace(")", r"\)")):
        calls.grade_call(text)


def test_two_megabytes_are_refused_before_any_work():
    text = "Priya: It is too expensive.\nMarcus: Why?\n" * 50_000
    assert len(text) > 2_000_000
    with pytest.raises(calls.CallError, match=r"That transcript is 2\.\d MB; Closer Gym grades calls up to 1 MB"):
        calls.parse(text)
    with pytest.raises(calls.CallError, match="up to 1 MB"):
        calls.decode(text.encode())


def test_a_file_that_is_not_utf8_is_a_message():
    with pytest.raises(calls.CallError, match=r"not UTF-8 text \(line 2\)"):
        calls.decode("Ana: hola\nBen: caf\u00e9".encode("latin-1"), name="call.txt")


def test_a_call_in_another_language_says_what_the_grader_reads():
    report = calls.grade_call("Ana: Hola Pedro, ¿cómo está el equipo?\nPedro: Es demasiado caro para nosotros ahora mismo, "
                              "no tenemos presupuesto.\nAna: Entiendo. ¿Con qué lo está comparando?\n")
    assert report.exchanges == ()
    assert any("This grader reads English" in note for note in report.notes)


def test_a_long_call_is_bounded_and_says_so():
    chatter = "".join(f"Maya: And point {i}?\nDan: I did not watch the game, we had fun at the beach. "
                      "But the kids were tired.\n" for i in range(3000))
    report = calls.grade_call(chatter)
    assert report.exchanges == ()
    assert any("only its first part" in note for note in report.notes)


def test_library_is_the_apps():
    assert calls.grade_call(FLEET, lib=library()).exchanges[0].title == library().objections["happy-with-current"].title


def test_otter_style_headings_with_the_words_below():
    transcript = calls.parse("Speaker 1  0:03\nHello there, how is the team?\nSpeaker 2  0:05\n"
                             "Honestly it is too expensive for us.\nWe have no budget.\nSpeaker 1  1:09\nCompared to what?")
    assert [(t.speaker, t.text, t.time) for t in transcript.turns] == [
        ("Speaker 1", "Hello there, how is the team?", 3.0),
        ("Speaker 2", "Honestly it is too expensive for us. We have no budget.", 5.0),
        ("Speaker 1", "Compared to what?", 69.0)]


def test_a_roofing_call_with_three_objections_finds_all_three():
    """A call written by the integrator, not the parser's author: the wife, a cheaper roofer, wait for the adjuster."""
    report = calls.grade_call((CALLS / "roof-call.txt").read_text(encoding="utf-8"), rep="Dana Reyes")
    found = [exchange.slug for exchange in report.exchanges]
    assert found == ["partner-decides", "competitor-cheaper", "bad-timing"]
    tiers = [exchange.grade.tier for exchange in report.exchanges]
    assert tiers[0] == "elite" and tiers[1:] == ["weak", "weak"]  # "you get what you pay for"; "sure, no problem"


def test_a_right_to_left_name_is_kept_apart_from_the_english_of_the_title():
    """Unisolated, “سام with جوردان” is laid out as one right-to-left run, and the list's label reads back to front."""
    transcript = calls.parse("سام: Hi, thanks for taking the call.\nجوردان: Sure. Honestly it's too expensive.\n"
                             "سام: Fair. What budget did you have in mind?\nجوردان: About half that.")
    assert calls.title_for(transcript, "سام") == "\u2068سام\u2069 with \u2068جوردان\u2069"
    latin = calls.parse("Sam: Hi there.\nJordan: It's too expensive.\nSam: What budget?\nJordan: Half.")
    assert calls.title_for(latin, "Sam") == "Sam with Jordan"  # nothing added where nothing needs it


def test_a_utf16_file_is_read_and_an_empty_one_is_named_as_empty():
    """Windows tools and Excel save "Unicode text" as UTF-16 with a byte-order mark."""
    text = "Sam: Hi, thanks for taking the call.\nJordan: Honestly it's too expensive.\n"
    assert calls.decode(text.encode("utf-16")) == text
    assert calls.decode("\ufeff".encode() + text.encode()) == text
    with pytest.raises(calls.CallError, match="call.txt is empty"):
        calls.decode(b"  \n", name="call.txt")
    with pytest.raises(calls.CallError, match="not UTF-8 text"):
        calls.decode("Jordan: Très cher.".encode("latin-1"))


def test_markup_pasted_into_a_transcript_hides_no_objection():
    """Found by a tester: an HTML tag in front of an objection hid it; "a < b" is words and stays."""
    report = calls.grade_call("Rep: Hi, thanks for taking the call.\n"
                              "Prospect: <img src=x onerror=alert(2)> It's too expensive.\n"
                              "Rep: I hear you. What number did you have in mind?\n"
                              "Prospect: Well, a < b and c > d, right.\n")
    assert [(e.objection, e.answer) for e in report.exchanges] == [
        ("It's too expensive.", "I hear you. What number did you have in mind?")]
    assert calls.parse("Prospect: Well, a < b and c > d, right.").turns[0].text == "Well, a < b and c > d, right."


def test_an_answer_reads_a_bounded_number_of_turns():
    """Found by bench/call_bounds.py: with every line of the other side a nod-sized objection ("Too expensive."),
    each answer read on to the end of the call (15 s for 1 MB). An answer reads at most `MAX_ANSWER_TURNS` turns."""
    report = calls.grade_call("Prospect: Too expensive.\nRep: Why is that?\n" * 5_000)
    assert report.exchanges and all(e.answer.count("Why is that?") <= calls.MAX_ANSWER_TURNS for e in report.exchanges)
