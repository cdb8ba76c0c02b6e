"""Hostile input without a browser: text shown back as text, slugs that cannot leave data/, inputs that
fail only in the ways a page expects (hypothesis), and a server configuration that stays locked down.

The same payloads typed into a real page are in tests/browser/test_hostile_browser.py; the grader's
properties are in tests/test_grading_properties.py.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sqlite3
import sys
import time
import tomllib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from closergym import cohorts, store
from closergym.content import library
from closergym.generator import CONTEXT_FIELDS, GeneratorError, generate
from components.text import WORD_JOINER, literal
from tests.conftest import ROOT, app_for, run_cli, said, say

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](http://example.com/x.png)",
    '<iframe src="http://example.com"></iframe>',
    ":red[text] :material/home: :smile:",
    "**bold** _it_ `code` # heading > quote $x^2$",
    "http://example.com www.example.com <http://example.com> me@example.com",
    "&lt;b&gt; &amp; \\[escaped\\]",
]
SPECIAL = set("\\`*_{}[]()<>#+-.!|~:$=^&")


def unescape(shown: str) -> str:
    """What a reader sees: escapes read, our line breaks undone, the invisible link breakers dropped."""
    return re.sub(r"\\(.)", r"\1", shown.replace("  \n", "\n")).replace(WORD_JOINER, "")


# -- text shown back as text ------------------------------------------------------------------------------


def bare_signs(shown: str) -> set[str]:
    """Markdown signs left unescaped in `shown` (escaped pairs and our line breaks taken out)."""
    return SPECIAL & set(re.sub(r"\\.", "", shown.replace("  \n", "\n")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_literal_escapes_every_markdown_sign_and_keeps_the_text(payload):
    shown = literal(payload)
    assert unescape(shown) == payload
    assert bare_signs(shown) == set()


# GitHub-flavoured Markdown's bare links (its autolink-literal rules), found after escapes are read
BARE_LINK = re.compile(r"(?:https?://|www\.)[-.\w]+|[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.IGNORECASE)


@pytest.mark.parametrize("text", [
    "See https://evil.example/login now", "or www.evil.example", "mail boss@evil.example", "HTTP://EVIL.EXAMPLE",
    "first.last+tag@mail.evil.example", "(https://evil.example)",
])
def test_literal_leaves_no_bare_link(text):
    assert BARE_LINK.search(text)
    read = re.sub(r"\\(.)", r"\1", literal(text))  # the text Markdown looks for links in
    assert not BARE_LINK.search(read)
    assert unescape(literal(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_literal_round_trips_any_text_with_no_sign_left_bare(text):
    shown = literal(text)
    assert unescape(shown) == text.replace(WORD_JOINER, "")
    assert bare_signs(shown) == set()


def show_stream(chunks: list[str]) -> None:
    import streamlit as st

    from components.live import stream_reply

    text, from_llm = stream_reply(iter(chunks), "The built-in line.")
    st.session_state["returned"] = (text, from_llm)


def test_model_output_is_streamed_as_literal_text():
    chunks = ["Sure. ", "[click](javascript:alert(1)) ", "![x](http://example.com/x.png) ",
              "<img src=x onerror=alert(1)> ", ":red[boss]"]
    at = AppTest.from_function(show_stream, args=(chunks,)).run()
    assert not at.exception
    text, from_llm = at.session_state["returned"]
    assert from_llm and text == "".join(chunks).strip()  # saved as the model said it
    shown = at.markdown[0]
    assert not shown.proto.allow_html
    assert unescape(shown.value).strip() == text
    assert "<img" in shown.value and bare_signs(shown.value) == set()  # no link, image, tag or directive


LESSON = """---
title: A hostile lesson
slug: hostile-lesson
cluster: Closing
summary: A lesson file with HTML and script in its body.
---
## Heading

<script>alert(1)</script>

<img src=x onerror=alert(1)>

<iframe src="http://example.com/frame"></iframe>

Plain words after.
"""


def show_lesson(text: str) -> None:
    from closergym.content import library, parse_lesson
    from components import lesson_view

    lesson_view.body(parse_lesson(text), 1, library())


def test_html_in_a_lesson_file_is_never_rendered_as_html():
    at = AppTest.from_function(show_lesson, args=(LESSON,)).run()
    assert not at.exception
    body = [element for element in at.markdown if "<" in element.value]
    assert body and all(not element.proto.allow_html for element in at.markdown)


def test_no_page_or_component_turns_html_on():
    """st.markdown escapes HTML unless told otherwise: nothing may tell it otherwise, nor use st.html, except
    for a stylesheet written in the code (the presenter view's), which holds nothing anyone typed."""
    sources = [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("components/*.py")]
    offenders = [f"{path.name}: {line.strip()}" for path in sources for line in path.read_text().splitlines()
                 if re.search(r"unsafe_allow_html\s*=\s*True|components\.v1", line)]
    for path in sources:
        for call in ast.walk(ast.parse(path.read_text())):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "html":
                style = call.args[0] if len(call.args) == 1 and not call.keywords else None
                if not (isinstance(style, ast.Constant) and isinstance(style.value, str)
                        and re.fullmatch(r"<style>[^<]*</style>", style.value)):
                    offenders.append(f"{path.name}:{call.lineno}: st.html with more than a stylesheet")
    assert offenders == []


# -- slugs cannot leave data/ -----------------------------------------------------------------------------

HOSTILE_SLUGS = [
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "..%2F..", "..", "../", "/etc/passwd",
    "need-to-think/../../../etc/passwd", "need-to-think\n", "need-to-think\x00", "need-to-think.yaml",
    "data/objections/need-to-think", "NEED-TO-THINK", "need_to_think", "ｎｅｅｄ-ｔｏ-ｔｈｉｎｋ",
    "nееd-to-think",  # Cyrillic e's
    "C:\\Windows\\win.ini", "%2e%2e%2f%2e%2e%2f", "need-to-think%00", " need-to-think", "",
]


@pytest.mark.parametrize("slug", HOSTILE_SLUGS)
def test_library_refuses_slugs_that_are_not_plain(slug):
    lib = library()
    assert lib.objection(slug) is None and lib.lesson(slug) is None


_opened: list[str] | None = None


def _record_open(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _opened.append(str(args[0]))


sys.addaudithook(_record_open)  # audit hooks cannot be removed: this one records only inside `opened_files`


@pytest.fixture
def opened_files():
    global _opened
    _opened = []
    yield _opened
    _opened = None


@pytest.mark.parametrize("slug", ["../../etc/passwd", "..%2F..", "/etc/passwd", "ｎｅｅｄ-ｔｏ-ｔｈｉｎｋ",
                                  "need-to-think/../../../etc/passwd"])
def test_deep_links_with_hostile_slugs_open_no_file_outside_data(trainee, slug, opened_files):
    lessons = app_for(trainee, "app_pages/lessons.py", query={"lesson": slug})
    sparring = app_for(trainee, "app_pages/sparring.py", query={"objection": slug})
    for at in (lessons, sparring):
        assert not at.exception
    assert "There is no lesson called" in lessons.info[0].value
    assert "There is no drill called" in sparring.warning[0].value
    assert literal(slug) in lessons.info[0].value  # shown back as typed, escaped
    outside = [path for path in opened_files if "passwd" in path or path.startswith("/etc")]
    assert outside == []
    assert opened_files  # the hook did record this test's file opens


# -- hypothesis: only the failures a page expects ------------------------------------------------------

context_values = st.dictionaries(st.sampled_from(list(CONTEXT_FIELDS)), st.text(max_size=200), max_size=5)


@settings(max_examples=80, deadline=None)
@given(objection=st.text(max_size=1200), context=context_values)
def test_the_generator_fails_only_with_generator_error(objection, context):
    try:
        result = generate(objection, context, seed=1)
    except GeneratorError:
        return
    assert result.objection and len(result.objection) <= 1000
    if result.recognised:
        assert {variant.label for variant in result.variants} <= {"weak", "strong", "elite"}


@settings(max_examples=40, deadline=None)
@given(objection=st.text(min_size=1, max_size=50), key=st.text(max_size=20))
def test_unknown_context_fields_are_a_generator_error(objection, key):
    if key in CONTEXT_FIELDS:
        return
    with pytest.raises(GeneratorError):
        generate(objection or "x", {key: "value"})


BAD_CATEGORIES = {"Cc", "Cs", "Co", "Zl", "Zp"}


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_trainee_names_are_clean_or_refused_with_a_message(raw):
    try:
        name = store.clean_trainee_name(raw)
    except ValueError as error:
        assert str(error)
        return
    assert 1 <= len(name) <= store.NAME_MAX
    assert not any(unicodedata.category(ch) in BAD_CATEGORIES for ch in name)
    assert name == name.strip() and "  " not in name
    assert store.clean_trainee_name(name) == name  # cleaning is stable: a saved name finds itself


transfer = pytest.importorskip("closergym.transfer")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
# Documents shaped like an export, with any value anywhere: the validator has to name the problem.
export_like = st.fixed_dictionaries(
    {"format": st.sampled_from([transfer.FORMAT, "other"]), "version": st.one_of(st.just(transfer.VERSION), json_values)},
    optional={"trainee": json_values, "sessions": st.lists(json_values, max_size=3),
              "turns": st.lists(json_values, max_size=3), "lesson_progress": st.lists(json_values, max_size=3),
              "generator_runs": st.lists(json_values, max_size=3), "exported_at": json_values},
)


@settings(max_examples=200, deadline=None)
@given(raw=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode),
                     json_values.map(lambda value: json.dumps(value).encode()),
                     export_like.map(lambda value: json.dumps(value).encode())))
def test_import_reads_any_bytes_failing_only_with_transfer_error(raw):
    try:
        transfer.read_import_file(raw)
    except transfer.TransferError as error:
        assert str(error)


@settings(max_examples=100, deadline=None)
@given(document=st.one_of(json_values, export_like))
def test_import_of_any_json_fails_only_with_transfer_error_and_changes_nothing(document):
    db = store.connect(":memory:")
    store.migrate(db)
    try:
        transfer.import_document(db, document, as_trainee="Sam")
    except transfer.TransferError as error:
        assert str(error)
        assert db["trainees"].count == 0 and db["turns"].count == 0
    finally:
        db.close()


# -- the server stays local and locked down ------------------------------------------------------------


def test_server_config_keeps_xsrf_on_the_address_local_and_usage_stats_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False


# -- names shown back as text on every page ------------------------------------------------------------

HOSTILE_NAMES = ["![x](http://example.com/x.png)", "[win](http://evil.example)", "**Bo** <b>x</b> :red[y]"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("page", ["app_pages/progress.py", "app_pages/home.py"])
def test_a_trainee_name_is_shown_as_typed_not_as_markdown(db, name, page):
    """A name is user text: a Markdown image in it must not load, a link must not show (issue 20, finding 8)."""
    at = app_for(store.create_trainee(db, name), page)
    assert not at.exception
    greeting = [e.value for e in [*at.info, *at.subheader] if "Nothing to chart yet" in e.value or "Welcome" in e.value]
    assert greeting and all(literal(name) in text for text in greeting)  # escaped: no image loads, no link shows
    assert not any(name in e.value for e in [*at.info, *at.subheader, *at.markdown])  # never raw


@pytest.mark.parametrize("custom", ["   ", "\u200b", "\u200b\u2060 \ufeff", "\n\t"])
def test_a_custom_objection_with_nothing_visible_is_refused_with_a_message(db, trainee, custom):
    """`?custom=` of blanks or invisible characters (issue 20, finding 9): a message, the drill picker, no session."""
    at = app_for(trainee, "app_pages/sparring.py", query={"custom": custom})
    assert not at.exception
    assert any("That objection is empty" in warning.value for warning in at.warning)
    assert at.selectbox  # the drill picker, to choose another
    assert db["sessions"].count == 0


@pytest.mark.parametrize("custom", ["   ", "\u200b", "\u00ad\u200d"])
def test_start_session_refuses_an_invisible_custom_objection(db, trainee, custom):
    from closergym import sessions

    with pytest.raises(sessions.StartError, match="That objection is empty"):
        sessions.start_session(db, trainee_id=trainee["id"], custom_objection=custom)
    assert db["sessions"].count == 0


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def test_grade_csv_writes_no_cell_a_spreadsheet_would_run(tmp_path):
    """`closergym grade --csv` copied the input id as it came (issue 20, finding 11): every text cell is made safe."""
    import csv
    import io

    from tests.test_cli_grade import GOOD, grade

    path = tmp_path / "class.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "objection", "rebuttal"])
        for formula in FORMULAS:
            writer.writerow([formula, "It's too expensive.", GOOD])
        writer.writerow(["=cmd|' /C calc'!A0", "It's too expensive.", ""])  # not graded: its id is still written
    done = grade("--csv", str(path))
    rows = list(csv.reader(io.StringIO(done.stdout.decode())))
    assert rows[0][0] == "id" and len(rows) == len(FORMULAS) + 2
    assert [row[0] for row in rows[1:]] == ["'" + formula for formula in FORMULAS] + ["'=cmd|' /C calc'!A0"]
    assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for row in rows for cell in row)


# -- demo data keeps to its own names -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Demo · Alex", "demo · someone", "DEMO  ·  Hana", "Demo \u0387 Bea"])
def test_nobody_can_take_a_demo_name(db, name):
    """A trainee called "Demo · Alex" broke the demo data (issue 20, finding 10): the prefix is demo data's."""
    with pytest.raises(ValueError, match="kept for demo data"):
        store.create_trainee(db, name, private=True)
    assert db["trainees"].count == 0


@pytest.mark.parametrize("name", ["Sam\u200b", "\u202eSam", "Sa\u00adm", "Sam\u2060", "Sa\u200cm", "\ufeffSam"])
def test_a_new_name_with_an_invisible_character_is_refused_it_would_pass_for_someone_else(db, name):
    store.create_trainee(db, "Sam", private=True)
    with pytest.raises(ValueError, match="invisible characters"):
        store.create_trainee(db, name, private=True)
    assert db["trainees"].count == 1


@pytest.mark.parametrize("name", ["می\u200cخواهم", "José", "山田 太郎", "Zoë-Ann O'Neil"])
def test_names_spelled_with_joiners_or_accents_are_taken(db, name):
    assert store.create_trainee(db, name, private=True)["name"] == name


def test_a_pasted_name_over_the_limit_is_refused_with_its_length_not_dropped():
    """The box has no character limit of its own: the browser would drop such a paste without a word."""
    at = app_for(None, "app_pages/progress.py")
    at.text_input(key="page_new_trainee_name").input("A" * 64)
    at.button(key="page_new_trainee_submit").click().run()
    assert any("That name is 64 characters; keep it to 40" in error.value for error in at.error)
    assert not at.text_input(key="page_new_trainee_name").max_chars


def test_the_start_form_refuses_a_demo_name_with_a_message():
    at = app_for(None, "app_pages/progress.py")
    at.text_input(key="page_new_trainee_name").input("Demo · Alex")
    at.button(key="page_new_trainee_submit").click().run()
    assert not at.exception
    assert any("kept for demo data" in error.value for error in at.error)


def test_demo_data_steps_around_a_real_trainee_made_before_the_prefix_was_reserved(db):
    from closergym import demo

    db.execute("INSERT INTO trainees (name, name_key, created_at) VALUES (?, ?, ?)",  # as an older version allowed
               ["Demo · Alex", store.name_key("Demo · Alex"), store.now()])
    made = demo.create_demo_cohort(db, weeks=1)
    assert made["trainees"] == 8
    names = {row["name"]: row["is_demo"] for row in db.query("SELECT name, is_demo FROM trainees")}
    assert names["Demo · Alex"] == 0 and names["Demo · Alex 2"] == 1  # the real one is untouched
    assert demo.remove_demo_data(db) == 8
    assert [row["name"] for row in db.query("SELECT name FROM trainees")] == ["Demo · Alex"]


def test_a_failed_demo_cohort_leaves_nothing_behind(db):
    """The cohort and its trainees are one transaction: a failure half-way leaves no empty cohort."""
    from closergym import demo

    db.execute("CREATE TRIGGER no_demo_turns BEFORE INSERT ON turns WHEN new.round = 3 "
               "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")  # a real SQLite failure, half-way through
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        demo.create_demo_cohort(db, weeks=1)
    assert db["cohorts"].count == 0 and db["trainees"].count == 0 and db["sessions"].count == 0
    assert not db.conn.in_transaction


def test_an_import_cannot_make_a_demo_name(db):
    document = {"format": transfer.FORMAT, "version": transfer.VERSION, "exported_at": "2026-01-01 00:00:00.000",
                "trainee": {"name": "Demo · Alex"}, "sessions": [], "turns": [], "lesson_progress": [],
                "generator_runs": []}
    with pytest.raises(transfer.TransferError, match="kept for demo data"):
        transfer.import_document(db, document)
    assert db["trainees"].count == 0


# -- access codes: checked on every run, and never handed out to whoever knows a name -------------------

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def opened(name: str, code: str | None, page: str | None = "app_pages/settings.py", **query: str) -> AppTest:
    """A browser session that opened `name`'s profile through its private link (or tried to), on `page`
    (None: the home page, as the link lands)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=15)
    at.query_params["trainee"] = name
    if code is not None:
        at.query_params["code"] = code
    at.run()
    if page is None:
        return at
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def holder(at: AppTest) -> int | None:
    """The profile this session holds."""
    try:
        return at.session_state["trainee_id"]
    except KeyError:  # AppTest's session state has no .get
        return None


def test_a_new_code_shuts_out_a_session_opened_with_the_leaked_one(db):
    """Issue 20, finding 3: the owner's new code ends the other session at once; it cannot issue its own."""
    row = store.create_trainee(db, "Rae", private=True)
    leaked = row["access_code"]
    owner, thief = opened("Rae", leaked), opened("Rae", leaked)
    assert holder(owner) == holder(thief) == row["id"]
    owner.button(key="profile_new_code").click().run()
    fresh = owner.session_state["trainee_known"][row["id"]][1]
    assert fresh != leaked and not owner.exception
    thief.button(key="profile_new_code").click().run()  # still on its screen: the thief tries to lock the owner out
    assert not thief.exception
    assert store.check_access(store.get_trainee(db, row["id"]), fresh)  # the owner's code still opens
    assert holder(thief) is None
    assert not any("Your access code is" in text.value for text in thief.markdown)
    assert any("access code was changed" in info.value for info in thief.info)


def test_a_session_shut_out_mid_drill_saves_no_answer(db):
    row = store.create_trainee(db, "Ode", private=True)
    thief = opened("Ode", row["access_code"], "app_pages/sparring.py", objection="bad-timing")
    assert thief.chat_input
    store.reset_access_code(db, row["id"])  # the owner, on another device
    say(thief, "What part of the timing worries you?")
    assert db["turns"].count == 0 and holder(thief) is None
    assert not thief.chat_input and not said(thief)  # no conversation left: it asks who is training


def test_a_profile_without_a_code_opens_in_no_browser(db):
    """Issue 20, finding 4: a profile made before private profiles cannot be claimed by whoever knows its name."""
    legacy = store.create_trainee(db, "Old Timer")  # what an older version made: no access code
    for code in (None, "", "AAAA-BBBB-CCCC"):
        at = opened("Old Timer", code, None)
        assert not at.exception and holder(at) is None
        assert any("opens in no browser" in info.value for info in at.info)
        at.switch_page("app_pages/settings.py").run()
        assert "profile_new_code" not in [button.key for button in at.button]  # no "Make this profile private"
    at = opened("Someone", None)
    at.button(key="sidebar_switch_trainee").click().run()
    at.text_input(key="sidebar_open_trainee_name").set_value("Old Timer")
    at.button(key="sidebar_open_trainee_submit").click().run()  # no code at all
    assert any("do not match" in error.value for error in at.error) and holder(at) is None
    assert store.get_trainee(db, legacy["id"])["access_hash"] is None  # nobody was handed a code


def test_a_profile_without_a_code_gets_one_from_the_command_line(db, isolated_db):
    store.create_trainee(db, "Old Timer")
    listed = run_cli("trainees", db_path=isolated_db)
    assert "Old Timer" in listed.stdout and "no access code" in listed.stdout
    done = run_cli("trainees", "--new-code", "old timer", db_path=isolated_db)
    assert done.returncode == 0
    at = opened("Old Timer", CODE.search(done.stdout).group())
    assert holder(at) == store.get_trainee_by_name(db, "Old Timer")["id"]
    missing = run_cli("trainees", "--new-code", "Nobody", db_path=isolated_db)
    assert missing.returncode == 2 and "no trainee called" in missing.stderr


def test_an_instructor_gives_a_profile_without_a_code_its_first_one(db, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", "teach-42")
    legacy = store.create_trainee(db, "Old Timer")
    private = store.create_trainee(db, "Kept", private=True)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=15)
    at.session_state["instructor_signed_in"] = cohorts.sign_in_token("teach-42", browser="", now=int(time.time()))
    at.run()
    at.switch_page("app_pages/instructor.py").run()
    profiles = next(box for box in at.selectbox if box.label == "Profile")
    assert profiles.options == ["Old Timer"]  # only profiles without a code: never someone's private one
    profiles.set_value(legacy["id"])
    next(button for button in at.button if button.label == "Give it an access code").click().run()
    code = CODE.search(" ".join(success.value for success in at.success)).group()
    assert store.opens(store.get_trainee(db, legacy["id"]), code)
    assert store.give_first_code(db, private["id"]) is None  # a private profile's code is its owner's


def test_a_page_shut_out_by_a_new_code_downloads_nothing(db, isolated_db):
    """The export buttons build their file when clicked, after the page was drawn: they ask again too."""
    from components.your_data import held_export

    row = store.create_trainee(db, "Uma", private=True)
    assert b"Uma" in held_export(isolated_db, row["id"], row["access_code"], kind="json")
    store.reset_access_code(db, row["id"])  # the owner, on another device
    with pytest.raises(PermissionError, match="access code was changed"):
        held_export(isolated_db, row["id"], row["access_code"], kind="json")


# -- wrong guesses: limited per browser session and for the whole process, never per address -------------


def test_wrong_guesses_are_limited_per_session_and_another_session_is_not_locked_out():
    from closergym.limits import Guesses, TooManyGuesses

    guesses = Guesses(per_session=3, window=60, budget=100)
    for _ in range(3):
        assert not guesses.check("attacker", lambda: False)
    with pytest.raises(TooManyGuesses, match="Too many wrong tries"):
        guesses.check("attacker", lambda: True)  # even the right code: the session is at its limit
    assert guesses.check("instructor", lambda: True)  # the same address, another session: not locked out


def test_a_crowd_of_sessions_is_slowed_down_together_and_the_right_code_still_works():
    """A changing X-Forwarded-For used to reset the limit: now every new session (the only thing a spoofer can
    make) counts against one process-wide budget, past which checks wait their turn, further apart each time."""
    import time

    from closergym.limits import Guesses, TooManyGuesses

    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        time.sleep(seconds)

    guesses = Guesses(per_session=3, window=60, budget=5, step=0.02, max_gap=0.08, max_wait=10, sleep=sleep)
    started = time.monotonic()
    for number in range(12):  # a fresh session for every guess
        assert not guesses.check(f"spoofed-{number}", lambda: False)
    assert waited[-1] > waited[0] and all(later >= earlier - 0.01 for earlier, later in zip(waited, waited[1:]))
    gaps = [min(0.08, 0.02 * (over + 1)) for over in range(12 - 5)]
    assert time.monotonic() - started >= sum(gaps[:-1]) - 0.01  # twelve guesses took their turns, growing apart
    assert guesses.check("instructor", lambda: True)  # the right code, after its turn

    flooded = Guesses(per_session=3, window=60, budget=5, step=1, max_gap=4, max_wait=5, sleep=lambda _: None)
    with pytest.raises(TooManyGuesses, match="on this server"):
        for number in range(20):
            flooded.check(f"crowd-{number}", lambda: False)


def instructor_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=15)
    at.run()
    at.switch_page("app_pages/instructor.py").run()
    return at


def type_passcode(at: AppTest, passcode: str) -> AppTest:
    at.text_input[0].set_value(passcode)
    return next(button for button in at.button if button.label == "Sign in").click().run()


def test_wrong_passcodes_from_a_shared_address_do_not_lock_the_instructor_out(monkeypatch):
    """The limit used to be keyed on the address: behind a shared one, five wrong tries locked the right passcode
    out for everyone; a changing one (a spoofed X-Forwarded-For) was never limited. AppTest shows the second:
    every run reports a new address, and 1d1af61 let the attacker's sixth try through. Now the attacker's tab is
    limited and the instructor's tab, wherever it comes from, is not."""
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", "teach-42")
    attacker = instructor_page()
    for _ in range(5):
        assert any("not right" in error.value for error in type_passcode(attacker, "guess").error)
    instructor = type_passcode(instructor_page(), "teach-42")  # another tab, the same (shared) address
    assert not instructor.exception and not instructor.error
    with store.open_db(os.environ["CLOSERGYM_DB"]) as db:  # signed in: a token this passcode made, not the passcode
        assert cohorts.token_holds(db, "teach-42", instructor.session_state["instructor_signed_in"], browser="",
                                   now=int(time.time()))
    assert any("Too many wrong" in error.value for error in type_passcode(attacker, "teach-42").error)


def test_sign_in_clicks_on_an_empty_box_are_not_wrong_tries(monkeypatch):
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", "teach-42")
    at = instructor_page()
    for blank in ("", "   ", "", "", "", ""):
        assert any("Type the instructor passcode" in warning.value for warning in type_passcode(at, blank).warning)
        assert not at.error
    assert not type_passcode(at, "teach-42").error and "instructor_signed_in" in at.session_state


def test_access_codes_are_limited_too(db):
    row = store.create_trainee(db, "Vic", private=True)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=15).run()

    def try_code(code: str) -> AppTest:
        at.button(key="sidebar_switch_trainee").click().run()
        at.text_input(key="sidebar_open_trainee_name").set_value("Vic")
        at.text_input(key="sidebar_open_trainee_code").set_value(code)
        return at.button(key="sidebar_open_trainee_submit").click().run()

    for number in range(10):
        assert any("do not match" in error.value for error in try_code(f"AAAA-BBBB-{number:04d}").error)
    assert any("Too many wrong tries" in error.value for error in try_code(row["access_code"]).error)
    assert holder(at) is None


def test_join_codes_are_limited_too(db):
    row = store.create_trainee(db, "Wes", private=True)
    cohort = cohorts.create_cohort(db, "Spring")
    at = opened("Wes", row["access_code"])

    def join(code: str) -> AppTest:
        box = next(box for box in at.text_input if box.label == "Join a cohort")
        box.set_value(code)
        return next(button for button in at.button if button.label == "Join").click().run()

    for number in range(10):
        assert any("does not match" in warning.value for warning in join(f"ZZZZ{number:02d}").warning)
    assert any("Too many wrong tries" in warning.value for warning in join(cohort["join_code"]).warning)



def test_the_tabs_that_guessed_wrong_are_forgotten_once_their_window_passes(monkeypatch):
    import time

    from closergym.limits import SlidingWindow

    window = SlidingWindow(3, 0.05)
    monkeypatch.setattr(SlidingWindow, "PURGE_FROM", 100)
    for tab in range(100):
        window.add(f"tab-{tab}")
    time.sleep(0.06)
    window.add("one more")
    assert len(window._events) == 1  # a crowd of tabs that never came back holds no memory
