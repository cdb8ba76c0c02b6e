"""An import file is bounded before it is worked on, and every row that passes validation is one the pages
can show: a hostile file is refused in seconds with little memory and changes nothing (the CLI and the
Settings page share the reader), and odd values are refused with the field named."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from closergym import sessions, store, transfer
from tests.conftest import ROOT, app_for

HEADER = {"format": transfer.FORMAT, "version": transfer.VERSION, "exported_at": "2026-01-02 03:04:05",
          "trainee": {"name": "Mallory"}, "sessions": [], "lesson_progress": [], "generator_runs": []}
STRONG = "That makes sense. What part of it is still on your mind? Could we look at it together Thursday at 10?"


def export_with(turns: str) -> bytes:
    """The export header with `turns` (raw JSON text) as its turns."""
    return json.dumps(HEADER)[:-1].encode() + b', "turns": ' + turns.encode() + b"}"


MEASURED = """
import re, runpy, sys
sys.argv = ["closergym", "import", sys.argv[1]]
try:
    runpy.run_module("closergym", run_name="__main__")
except SystemExit as done:
    code = done.code
peak = re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)  # this program's own peak
print(f"peak-kb {peak}", file=sys.stderr)
sys.exit(code)
"""


def cli_import(path, db_path) -> tuple[subprocess.CompletedProcess, int]:
    """`python -m closergym import PATH` in a child process; its result and its peak memory in MB."""
    done = subprocess.run([sys.executable, "-c", MEASURED, str(path)], capture_output=True, text=True,
                          cwd=ROOT, env={"CLOSERGYM_DB": str(db_path), "PATH": "/usr/bin:/bin"}, timeout=120)
    return done, int(done.stderr.rsplit("peak-kb ", 1)[1]) // 1024


@pytest.mark.parametrize("shape, message", [
    ("[" + ",".join(["{}"] * 350_000) + "]", "rows; at most"),  # the 1 MB file that took a server down
    ("[" + ",".join(["{}"] * 6_900_000) + "]", "far more entries"),  # 20 MB of them
    ("[" + ",".join(["[]"] * 6_900_000) + "]", "far more entries"),
    ("[" + ",".join(["0"] * 9_000_000) + "]", "far more entries"),
])
def test_a_hostile_file_is_refused_by_the_cli_with_little_memory_and_changes_nothing(tmp_path, db, isolated_db,
                                                                                       shape, message):
    path = tmp_path / "hostile.json"
    path.write_bytes(export_with(shape))
    assert path.stat().st_size <= transfer.MAX_IMPORT_BYTES
    done, peak_mb = cli_import(path, isolated_db)
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    assert peak_mb < 300, f"the import took {peak_mb} MB"
    assert db["trainees"].count == 0


def test_validation_stops_after_a_few_problems():
    rows = ",".join(['{"uid": 1}'] * 40_000)
    with pytest.raises(transfer.TransferError) as refused:
        transfer.read_import_file(export_with(f"[{rows}]"))
    text = str(refused.value)
    assert text.count("turns[") <= transfer.SHOWN_PROBLEMS + 1 and "and more problems" in text
    assert "turns[0].uid" in text


# -- odd values that used to pass and break Sparring ---------------------------------------------------


@pytest.fixture
def exported(db, trainee) -> dict:
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="too-expensive", seed=3)
    sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"], rebuttal=STRONG)
    return transfer.export_trainee(db, trainee["id"])


def changed(document: dict, edit) -> dict:
    document = copy.deepcopy(document)
    edit(document)
    return document


@pytest.mark.parametrize("edit, place", [
    (lambda d: d["turns"][0].update(grade={}), "turns[0].grade.tier: is missing"),
    (lambda d: d["turns"][0]["grade"].update(score=(d["turns"][0]["score"] + 1) % 101), "turns[0]: its grade"),
    (lambda d: d["turns"][0]["grade"]["moves"].pop(), "turns[0].grade.moves"),
    (lambda d: d["turns"][0].update(engine="gpt"), "turns[0].engine"),
    (lambda d: d["sessions"][0].update(outcome="bogus"), "sessions[0].outcome"),
    (lambda d: d["sessions"][0]["state"].update(prompts=7), "sessions[0].state.prompts"),
    (lambda d: d["sessions"][0]["state"].update(tiers=["great"]), "sessions[0].state.tiers[0]"),
    (lambda d: d["sessions"][0].update(difficulty="nightmare"), "sessions[0].difficulty"),
    (lambda d: d["sessions"][0].update(kind="séance"), "sessions[0].kind"),
    (lambda d: d["sessions"][0].update(status="paused"), "sessions[0].status"),
    (lambda d: d["sessions"][0].update(ended_at="2999-01-01 00:00:00"), "sessions[0].ended_at: is in the future"),
    (lambda d: d["sessions"][0]["state"].update(prompts=[]), "sessions[0]: "),  # an active session with no line
    (lambda d: d["sessions"][0].update(state=[[1]]), "sessions[0].state: should be an object, written {...}"),
    (lambda d: d.update(turns={"a": 1}), "turns: should be a valid list"),
])
def test_odd_values_are_refused_with_the_field_named(db, exported, edit, place):
    with pytest.raises(transfer.TransferError) as refused:
        transfer.import_document(db, changed(exported, edit), as_trainee="Mallory")
    assert place in str(refused.value)
    assert store.get_trainee_by_name(db, "Mallory") is None


def test_a_number_thousands_of_digits_long_is_refused_in_words_not_pythons():
    with pytest.raises(transfer.TransferError, match="a number thousands of digits long") as refused:
        transfer.parse_json('{"version": ' + "9" * 100_000 + "}")
    assert "sys.set_int_max_str_digits" not in str(refused.value)


def test_an_imported_session_in_every_valid_state_opens_in_sparring_and_progress(db, exported):
    """Rows at the edges of what validation accepts: a far persona, the last round, a finished state."""
    document = changed(exported, lambda d: (d["sessions"][0].update(persona=999),
                                            d["sessions"][0]["state"].update(round=4, patience=0)))
    report = transfer.import_document(db, document, as_trainee="Edge")
    edge = store.get_trainee_by_name(db, report.trainee)
    for page in ("app_pages/sparring.py", "app_pages/progress.py", "app_pages/home.py"):
        at = app_for(edge, page)
        assert not at.exception, page


def test_the_settings_page_offers_import_only_to_an_open_profile(trainee):
    stranger = app_for(None, "app_pages/settings.py")
    assert not stranger.get("file_uploader") and not [b for b in stranger.button if b.label == "Import"]
    assert any("Open your profile" in info.value for info in stranger.info)
    owner = app_for(trainee, "app_pages/settings.py")
    assert owner.get("file_uploader")


def test_a_browser_import_cannot_write_into_a_profile_without_a_code(db, exported):
    """A profile made before private profiles (no access code) opens in no browser; an import from a browser
    (with its own profile open) cannot write into it either. The command line, the operator's, still can."""
    legacy = store.create_trainee(db, "Old Timer")
    mine = store.create_trainee(db, "Mine", private=True)
    document = changed(exported, lambda d: d["trainee"].update(name="Old Timer"))
    with pytest.raises(transfer.TransferError, match="private profile"):
        transfer.import_document(db, document, owner_id=mine["id"])
    assert db.execute("SELECT count(*) FROM turns WHERE trainee_id = ?", [legacy["id"]]).fetchone()[0] == 0
    assert transfer.import_document(db, document).trainee == "Old Timer"  # as `python -m closergym import` does


def test_a_demo_trainees_export_imports_again(db, tmp_path):
    """Demo data is written as real turns are: its export passes the import's validation."""
    from closergym import demo

    demo.create_demo_cohort(db, weeks=1)
    someone = next(db.query("SELECT id FROM trainees WHERE is_demo = 1 LIMIT 1"))["id"]
    document = transfer.export_trainee(db, someone)
    assert document["turns"]
    other = store.open_db(tmp_path / "other.db")
    report = transfer.import_document(other, document, as_trainee="Copy of a demo trainee")
    assert report.added["turns"] == len(document["turns"])
