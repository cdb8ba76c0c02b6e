"""`python -m closergym grade`: one rebuttal, or a class's file of them (JSON lines or CSV), in a child
process as an instructor would run it. A broken file is one clear line and no output; a bad row is
reported on its own and the others are still graded."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

GOOD = "That's fair. What part of the price worries you most? Could we look at your numbers Thursday at 2?"


def grade(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "closergym", "grade", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=120)


def lines(done: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def test_one_rebuttal():
    done = grade("It's too expensive.", GOOD)
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result["tier"] == "elite" and result["moves"]["clarify"]["phrases"] == ["What part of the price worries you most?"]


def test_a_jsonl_file_keeps_ids_and_grades_around_bad_rows(tmp_path):
    path = tmp_path / "class.jsonl"
    path.write_text("\n".join([
        json.dumps({"id": "ann", "objection": "It's too expensive.", "rebuttal": GOOD}),
        "not json",
        json.dumps({"id": 0, "rebuttal": 123}),
        json.dumps({"rebuttal": "   "}),
        "[1, 2]",
        '{"rebuttal": "ok", "id": NaN}',
        "",
        json.dumps({"objection": "Not now.", "rebuttal": "No problem, let me know!"}),
    ]) + "\n")
    done = grade("--jsonl", str(path))
    results = lines(done)
    assert [(r["id"], r.get("tier"), r.get("error")) for r in results] == [
        ("ann", "elite", None), (2, None, "not valid JSON (Expecting value)"), (0, None, "rebuttal is not text"),
        (4, None, "empty rebuttal"), (5, None, "not a JSON object"),
        (6, None, "not valid JSON (NaN is not a JSON number)"), (8, "weak", None)]
    assert done.returncode == 1 and b"5 of 7 rows not graded" in done.stderr


@pytest.mark.parametrize("raw", [
    b"objection,rebuttal\nIt's too expensive.,What part worries you most?\n",
    b"\xef\xbb\xbfobjection,rebuttal\nIt's too expensive.,What part worries you most?\n",  # Excel's BOM
    b"Objection ; Rebuttal\nIt's too expensive.;What part worries you most?\n",  # a European spreadsheet
    b"objection\trebuttal\nIt's too expensive.\tWhat part worries you most?\n",
])
def test_a_csv_from_any_spreadsheet_on_standard_input(raw):
    done = grade("--csv", "-", stdin=raw)
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    assert [(row["id"], row["tier"], row["clarify"]) for row in table] == [("1", "strong", "2")]


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--jsonl", "/nonexistent/class.jsonl"], None, "cannot read /nonexistent/class.jsonl"),
    (["--csv", str(ROOT)], None, "cannot read"),
    (["--jsonl", "-"], b'{"rebuttal": "fine"}\n{"rebuttal": "caf\xe9"}\n', "not UTF-8 text (line 2)"),
    (["--csv", "-"], b"question,notes\nx,y\n", "missing: objection, rebuttal"),
    (["--csv", "-"], b"question,answer\nx,y\n", "missing: objection; an answer column"),
    (["--csv", "-"], b"", "The CSV is empty"),
    (["--csv", "-"], b'objection,rebuttal\n"unclosed,quote\nfoo,bar\n', "not readable"),
    (["--csv", "-"], b'"objection,rebuttal\nx,y\n', "not readable"),  # even the header
    (["It's too expensive.", "   "], None, "cannot grade that: empty rebuttal"),
])
def test_a_broken_input_is_one_line_and_no_output(args, stdin, message):
    done = grade(*args, stdin=stdin)
    assert done.returncode == 2 and done.stdout == b""
    assert message in done.stderr.decode() and "Traceback" not in done.stderr.decode()
    assert len(done.stderr.decode().strip().splitlines()) == 1
