import copy
import csv
import io
import json
import os
import re
import tomllib
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closergym import schedule, store, transfer
from closergym.content import MOVES
from tests.conftest import ROOT
from tests.conftest import run_cli as closergym

GRADE = {"tier": "strong", "score": 70, "moves": [{"move": "clarify", "points": 2, "phrases": ["What"]}],
         "feedback": {"better": "Fair. What would need to be true?"}, "red_flags": []}
TABLES = ("trainees", "sessions", "turns", "lesson_progress", "generator_runs")


def add_turn(db, trainee, session=None, *, tier="strong", score=70, **fields):
    points = {"acknowledge": 2, "clarify": 2, "respond": 1, "advance": 0}
    grade = {**GRADE, "tier": tier, "score": score,
             "moves": [{"move": move, "points": n, "phrases": ["What"] if n else []} for move, n in points.items()]}
    turn = {"trainee_id": trainee["id"], "session_id": session["id"] if session else None,
            "source": "sparring", "round": 1, "objection_slug": "too-expensive", "prompt": "It's too much.",
            "rebuttal": "Fair. Compared to what?", "tier": tier, "score": score, **points, "grade": grade,
            "engine": "builtin", "grade_ms": 1.25, **fields}
    return store.save_turn(db, turn)


def populate(db, trainee):
    """A bit of everything a trainee leaves behind, with accents, emoji and a formula-looking answer."""
    sparring = store.create_session(db, trainee_id=trainee["id"], kind="sparring", objection_slug="too-expensive",
                                    state={"round": 3, "prompts": ["C'est trop cher 💸", "Et alors ?"]})
    for number, tier in enumerate(["weak", "strong", "elite"], start=1):
        add_turn(db, trainee, sparring, uid=f"{sparring['uid']}-r{number}", round=number, tier=tier,
                 rebuttal=f"Réponse n°{number} — d'accord 👍", reply="Hmm.")
    store.update_session(db, sparring["id"], trainee_id=trainee["id"], status="complete", outcome="advanced",
                         ended_at=store.now())
    second = store.create_session(db, trainee_id=trainee["id"], kind="second_call",
                                  custom_objection="We went with someone else", state={"prompts": ["Hello again."]})
    add_turn(db, trainee, second, source="second_call", objection_slug=None, tier="weak", score=20)
    add_turn(db, trainee, None, source="lesson:handling-price", objection_slug="need-to-think",
             rebuttal="=HYPERLINK(\"http://x\")", tier="elite", score=96, reply=None, grade_ms=None)
    store.mark_lesson_read(db, trainee["id"], "handling-price")
    store.save_generator_run(db, {"trainee_id": trainee["id"], "objection": "Too pricey for us",
                                  "context": {"product": "CRM"}, "matched_slug": "too-expensive",
                                  "confidence": 0.82, "result": {"variants": ["a", "b"]}})


def dump(db) -> dict:
    return {table: list(db.query(f"SELECT * FROM {table} ORDER BY rowid")) for table in TABLES}


def without_stamp(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "exported_at"}


@pytest.fixture
def filled(db, trainee):
    populate(db, trainee)
    return trainee


@pytest.fixture
def other_db(tmp_path):
    database = store.open_db(tmp_path / "elsewhere.db")
    yield database
    database.close()


# -- export -----------------------------------------------------------------------------------------


def test_export_is_a_versioned_document_without_internal_ids(db, filled):
    document = transfer.export_trainee(db, filled["id"])
    assert (document["format"], document["version"], document["trainee"]) == ("closergym-export", 1, {"name": "Sam"})
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", document["exported_at"])
    assert [len(document[k]) for k in ("sessions", "turns", "lesson_progress", "generator_runs")] == [2, 5, 1, 1]
    for key in ("sessions", "turns", "lesson_progress", "generator_runs"):
        for row in document[key]:
            assert not {"id", "trainee_id", "session_id"} & set(row)
    sessions = {s["uid"] for s in document["sessions"]}
    assert {t["session_uid"] for t in document["turns"]} == sessions | {None}
    assert document["turns"][0]["grade"]["feedback"] == GRADE["feedback"]
    assert document["sessions"][0]["state"]["prompts"][0] == "C'est trop cher 💸"


def test_export_json_is_the_same_document_as_utf8_json(db, filled):
    raw = transfer.export_json(db, filled["id"])
    assert "Réponse n°1 — d'accord 👍" in raw.decode("utf-8")
    assert without_stamp(json.loads(raw)) == without_stamp(transfer.export_trainee(db, filled["id"]))


def test_an_export_only_holds_that_trainee(db, filled):
    populate(db, store.create_trainee(db, "Alex"))
    assert len(transfer.export_trainee(db, filled["id"])["turns"]) == 5


def test_turns_csv_has_one_row_per_graded_turn_and_defuses_formulas(db, filled):
    raw = transfer.turns_csv(db, filled["id"])
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == list(transfer.CSV_COLUMNS)
    assert len(rows) == 5
    assert rows[0]["rebuttal"] == "Réponse n°1 — d'accord 👍"
    assert [r["tier"] for r in rows[:3]] == ["weak", "strong", "elite"]
    assert rows[-1]["rebuttal"] == "'=HYPERLINK(\"http://x\")"


def test_exports_never_contain_a_key(db, filled, monkeypatch):
    secret = "sk-test-DoNotLeakThisKey1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    key_like = re.compile(rb"sk-[A-Za-z0-9_-]{8,}|api[_-]?key", re.IGNORECASE)
    for raw in (transfer.export_json(db, filled["id"]), transfer.turns_csv(db, filled["id"]),
                transfer.export_bytes(os.environ["CLOSERGYM_DB"], filled["id"], kind="csv")):
        assert secret.encode() not in raw
        assert not key_like.search(raw)


def test_export_of_an_unknown_trainee_says_so(db):
    with pytest.raises(transfer.TransferError, match="no trainee with id 99"):
        transfer.export_trainee(db, 99)


def test_export_file_names_are_plain_ascii():
    assert transfer.export_file_name("Zoë Smith 🚀", extension="json", today="2025-01-31") == \
        "closergym-zo-smith-2025-01-31.json"
    assert transfer.export_file_name("李雷", extension="csv", today="2025-01-31") == "closergym-trainee-2025-01-31.csv"


# -- import -----------------------------------------------------------------------------------------


def test_round_trip_into_a_fresh_database_is_identical(db, filled, other_db):
    first = transfer.export_trainee(db, filled["id"])
    report = transfer.import_document(other_db, transfer.read_import_file(transfer.export_json(db, filled["id"])))
    assert report.trainee == "Sam" and report.trainee_created
    assert report.added == {"sessions": 2, "turns": 5, "lesson_progress": 1, "generator_runs": 1}
    imported = store.get_trainee_by_name(other_db, "Sam")
    assert without_stamp(transfer.export_trainee(other_db, imported["id"])) == without_stamp(first)


def test_a_played_second_call_and_a_curveball_round_survive_a_round_trip(db, trainee, other_db):
    """Their grades mark the second call's steps (titled, some slots not counted), their state names the curveball."""
    from closergym import sessions
    for start in ({"second_call": True}, {"objection_slug": "too-expensive", "difficulty": "hard"}):
        session = sessions.start_session(db, trainee_id=trainee["id"], seed=2, **start)
        for _ in range(3):
            sessions.take_turn(db, trainee_id=trainee["id"], session_id=session["id"],
                               rebuttal="That makes sense. What part of it is still on your mind?")
    assert store.get_session(db, session["id"], trainee_id=trainee["id"])["state"]["curveball"] is not None
    first = transfer.export_trainee(db, trainee["id"])
    transfer.import_document(other_db, transfer.read_import_file(transfer.export_json(db, trainee["id"])))
    imported = store.get_trainee_by_name(other_db, trainee["name"])
    assert without_stamp(transfer.export_trainee(other_db, imported["id"])) == without_stamp(first)


def test_the_schedule_survives_a_round_trip(db, filled, other_db):
    transfer.import_document(other_db, transfer.export_trainee(db, filled["id"]))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    copy_id = store.get_trainee_by_name(other_db, "Sam")["id"]
    assert schedule.objection_cards(other_db, copy_id, now=now) == schedule.objection_cards(db, filled["id"], now=now)


def test_importing_the_same_file_twice_changes_nothing(db, filled, other_db):
    raw = transfer.export_json(db, filled["id"])
    transfer.import_document(other_db, transfer.read_import_file(raw))
    before = dump(other_db)
    again = transfer.import_document(other_db, transfer.read_import_file(raw))
    assert dump(other_db) == before
    assert not any(again.added.values()) and not again.trainee_created
    assert again.already_there == {"sessions": 2, "turns": 5, "lesson_progress": 1, "generator_runs": 1}
    assert again.summary() == ("Imported into Sam: added nothing; already there: 2 sessions, 5 turns, "
                               "1 lesson read, 1 generator run.")


def test_reimporting_your_own_export_adds_nothing(db, filled):
    before = dump(db)
    report = transfer.import_document(db, transfer.export_trainee(db, filled["id"]))
    assert dump(db) == before and not any(report.added.values())


def test_a_file_can_be_imported_as_another_trainee(db, filled, other_db):
    existing = store.create_trainee(other_db, "Alex")
    report = transfer.import_document(other_db, transfer.export_trainee(db, filled["id"]), as_trainee=" alex ")
    assert (report.trainee, report.trainee_created) == ("Alex", False)
    assert store.get_trainee_by_name(other_db, "Sam") is None
    assert len(transfer.export_trainee(other_db, existing["id"])["turns"]) == 5


def test_an_as_name_that_is_not_a_valid_name_is_refused(db, filled, other_db):
    before = dump(other_db)
    with pytest.raises(transfer.TransferError, match="name to import as: Type a name"):
        transfer.import_document(other_db, transfer.export_trainee(db, filled["id"]), as_trainee="   ")
    assert dump(other_db) == before


def test_a_file_imported_as_another_trainee_of_the_same_database_is_copied(db, filled, other_db):
    sam = transfer.export_trainee(db, filled["id"])
    report = transfer.import_document(db, sam, as_trainee="Bob")
    assert report.added == {"sessions": 2, "turns": 5, "lesson_progress": 1, "generator_runs": 1}
    bob = transfer.export_trainee(db, store.get_trainee_by_name(db, "Bob")["id"])
    assert without_stamp(transfer.export_trainee(db, filled["id"])) == without_stamp(sam)  # Sam untouched
    assert not {t["uid"] for t in bob["turns"]} & {t["uid"] for t in sam["turns"]}
    assert {t["session_uid"] for t in bob["turns"]} == {s["uid"] for s in bob["sessions"]} | {None}
    strip = {"uid", "session_uid"}
    assert [{k: v for k, v in t.items() if k not in strip} for t in bob["turns"]] == \
        [{k: v for k, v in t.items() if k not in strip} for t in sam["turns"]]
    before = dump(db)
    assert not any(transfer.import_document(db, sam, as_trainee="Bob").added.values())
    assert dump(db) == before
    transfer.import_document(other_db, bob)  # Bob's copy exports and imports like any other
    assert len(transfer.export_trainee(other_db, store.get_trainee_by_name(other_db, "Bob")["id"])["turns"]) == 5


def test_a_failure_half_way_leaves_the_database_unchanged(db, filled, other_db, monkeypatch):
    document = transfer.export_trainee(db, filled["id"])
    before = dump(other_db)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    real = transfer.new_rows
    monkeypatch.setattr(transfer, "new_rows", lambda db, table, rows, trainee: (
        broken() if table == "generator_runs" else real(db, table, rows, trainee)))
    with pytest.raises(RuntimeError):
        transfer.import_document(other_db, document)
    assert dump(other_db) == before  # the trainee created at the start was rolled back too


# -- bad files --------------------------------------------------------------------------------------


def mutated(document: dict, change) -> bytes:
    document = copy.deepcopy(document)
    change(document)
    return json.dumps(document).encode()


def set_in(path, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


BAD_DOCUMENTS = [
    (set_in(["format"], "something-else"), "not a Closer Gym export"),
    (set_in(["version"], 2), "newer Closer Gym"),
    (set_in(["version"], "1"), "unknown format version '1'"),
    (set_in(["turns"], {"0": {}}), "turns: should be a valid list"),
    (set_in(["turns", 0, "score"], 150), r"turns[0].score: must be 0-100 (got 150)"),
    (set_in(["turns", 1, "clarify"], 3), "turns[1].clarify: must be 0-2 (got 3)"),
    (set_in(["turns", 0, "score"], "70"), "turns[0].score: should be a valid integer (got '70')"),
    (set_in(["turns", 0, "score"], True), "turns[0].score: should be a valid integer (got True)"),
    (set_in(["turns", 2, "tier"], "great"), "turns[2].tier: should be 'weak', 'strong' or 'elite'"),
    (set_in(["turns", 0, "uid"], "../../etc"), "turns[0].uid: must be 1-64 letters"),
    (set_in(["turns", 0, "created_at"], "yesterday"), "turns[0].created_at: must be a UTC time"),
    (set_in(["turns", 0, "created_at"], "2025-02-30 10:00:00.000"), "is not a real date"),
    (set_in(["turns", 0, "rebuttal"], "x" * 20_001), "turns[0].rebuttal: is too long (20,001 characters; at most 20,000)"),
    (set_in(["turns", 0, "source"], "javascript:alert(1)"), "turns[0].source: must be 'sparring'"),
    (set_in(["turns", 0, "surprise"], 1), "turns[0].surprise: is not a field"),
    (lambda d: d["turns"][0].pop("tier"), "turns[0].tier: is missing"),
    (lambda d: d.pop("sessions"), "sessions: is missing"),
    (set_in(["sessions", 0, "state"], "not an object"), "sessions[0].state: should be an object, written {...}"),
    (set_in(["generator_runs", 0, "result"], {"a": json.loads("[" * 40 + "]" * 40)}),
     "generator_runs[0].result: nests more than 32"),
    (set_in(["generator_runs", 0, "context"], {"a": "x" * 200_001}), "generator_runs[0].context: is too large"),
    (set_in(["generator_runs", 0, "confidence"], 1.5), "generator_runs[0].confidence: must be 0-1"),
    (set_in(["lesson_progress", 0, "lesson_slug"], "Not A Slug"), "lesson_progress[0].lesson_slug: must be a slug"),
    (set_in(["trainee", "name"], "!!!"), "trainee.name: A trainee name needs at least one letter"),
    (lambda d: d["turns"].append(dict(d["turns"][0])), "appears more than once in this file"),
    (set_in(["turns", 0, "session_uid"], "feedfacefeedface"), "turns[0].session_uid: no session with uid"),
    (lambda d: [t.update(score=101, clarify=-1) for t in d["turns"][:3]], "; and more problems."),
]


@pytest.mark.parametrize("change, message", BAD_DOCUMENTS)
def test_a_bad_document_is_refused_with_a_message_naming_the_place(db, filled, other_db, change, message):
    raw = mutated(transfer.export_trainee(db, filled["id"]), change)
    before = dump(other_db)
    with pytest.raises(transfer.TransferError) as error:
        transfer.import_document(other_db, transfer.read_import_file(raw))
    assert message in str(error.value)
    assert dump(other_db) == before


@pytest.mark.parametrize("raw, message", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"hello, world", "not a Closer Gym export: an export is the JSON file"),
    (b"  xxxxxxxx", "not valid JSON: Expecting value, line 1, column 3"),
    (b'{"format": "closergym-export",, "version": 1}', "not valid JSON: Expecting property name"),
    (b"\xff\xfe{\x00}", "not UTF-8"),
    (b"[1, 2, 3]", "should hold one JSON object"),
    (b'{"format": "closergym-export", "version": 1, "x": NaN}', "NaN is not allowed"),
    (b'{"format": "closergym-export", "version": 1}', "sessions: is missing"),
    (b"[" * 100_000, "nests too deeply"),
])
def test_files_that_are_not_exports_are_refused(raw, message):
    with pytest.raises(transfer.TransferError, match=re.escape(message)):
        transfer.read_import_file(raw)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.99])
def test_a_truncated_export_is_called_truncated(db, filled, cut):
    raw = transfer.export_json(db, filled["id"])
    with pytest.raises(transfer.TransferError, match="looks truncated"):
        transfer.read_import_file(raw[:int(len(raw) * cut)].rstrip())


def test_an_export_with_a_utf8_bom_is_read(db, filled):
    assert transfer.read_import_file(b"\xef\xbb\xbf" + transfer.export_json(db, filled["id"])).trainee


class NeverRead(io.RawIOBase):
    """An upload that says it is huge; reading it would fail the test."""

    size = 10 * 1024**3

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the file was read")


class EndlessZeros(io.RawIOBase):
    """A stream with no size that never ends: only the limit stops the reading."""

    def __init__(self):
        self.given = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"0" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_a_file_that_reports_a_huge_size_is_refused_before_reading():
    with pytest.raises(transfer.TransferError, match=r"too large to import \(10,240.0 MB\): the limit is 20 MB"):
        transfer.read_import_file(NeverRead())


def test_a_huge_file_on_disk_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(transfer.MAX_IMPORT_BYTES + 1)  # sparse: no disk space used
    with path.open("rb") as handle:
        with pytest.raises(transfer.TransferError, match="too large"):
            transfer.read_import_file(handle)
        assert handle.tell() == 0


def test_a_stream_without_a_size_is_read_only_one_byte_past_the_limit():
    stream = EndlessZeros()
    with pytest.raises(transfer.TransferError, match="too large"):
        transfer.read_import_file(stream)
    assert stream.given == transfer.MAX_IMPORT_BYTES + 1


def test_bytes_over_the_limit_are_refused():
    with pytest.raises(transfer.TransferError, match="too large"):
        transfer.read_import_file(b" " * (transfer.MAX_IMPORT_BYTES + 1))


def test_the_upload_limit_of_the_server_lets_a_full_size_export_through():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024**2 >= transfer.MAX_IMPORT_BYTES


# -- property: any valid document survives import and export ---------------------------------------

HEX = "0123456789abcdef"
uids = st.text(HEX, min_size=16, max_size=16)
stamps = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 1, 1)).map(
    lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])
texts = st.text(max_size=40)
slugs = st.sampled_from(["too-expensive", "need-to-think", "not-in-the-library", "x1"])
json_leaves = (st.none() | st.booleans() | st.integers() | st.text(max_size=12)
               | st.floats(allow_nan=False, allow_infinity=False))
json_objects = st.dictionaries(st.text(max_size=8), st.recursive(
    json_leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8), max_size=4)
millis = st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False)
engines = st.sampled_from(["builtin", "llm", "own-llm"])
tiers = st.sampled_from(["weak", "strong", "elite"])
states = st.fixed_dictionaries({}, optional={
    "round": st.integers(1, 4), "prompts": st.lists(texts, min_size=1, max_size=3), "tiers": st.lists(tiers, max_size=3),
    "patience": st.integers(0, 4), "revealed": st.lists(st.integers(0, 5), max_size=3), "door_open": st.booleans(),
    "outcome": st.none() | st.sampled_from(["advanced", "stalled", "lost"]), "closing": st.none() | texts})


@st.composite
def graded(draw) -> dict:
    """A turn's tier, score and move points, and the grade that agrees with them."""
    tier, score = draw(tiers), draw(st.integers(0, 100))
    points = {m: draw(st.integers(0, 2)) for m in MOVES}
    grade = {"tier": tier, "score": score, "feedback": {"better": draw(texts)},
             "moves": [{"move": m, "points": n, "phrases": draw(st.lists(texts, max_size=2))} for m, n in points.items()],
             **draw(st.fixed_dictionaries({}, optional={"engine": engines, "notes": st.lists(texts, max_size=2),
                                                        "red_flags": st.lists(st.fixed_dictionaries({
                                                            "code": st.sampled_from(["pressure", "arguing"]),
                                                            "label": texts, "cap": tiers}), max_size=2)}))}
    return {"tier": tier, "score": score, **points, "grade": grade}


@st.composite
def documents(draw):
    session_uids = draw(st.lists(uids, unique=True, max_size=4))
    sessions = [{
        "uid": uid, "kind": draw(st.sampled_from(["sparring", "second_call"])), "objection_slug": draw(st.none() | slugs),
        "custom_objection": draw(st.none() | texts), "persona": draw(st.integers(0, 1000)),
        "difficulty": draw(st.sampled_from(["easy", "normal", "hard"])), "seed": draw(st.integers(-(2**63), 2**63 - 1)),
        "engine": draw(engines), "status": draw(st.sampled_from(["complete", "abandoned"])),
        "outcome": draw(st.none() | st.sampled_from(["advanced", "stalled", "lost"])), "started_at": draw(stamps),
        "updated_at": draw(stamps), "ended_at": draw(st.none() | stamps), "state": draw(states),
    } for uid in session_uids]
    turns = [{
        "uid": uid, "session_uid": draw(st.sampled_from([None, *session_uids])),
        "source": draw(st.sampled_from(["sparring", "second_call", "lesson:handling-price"])),
        "round": draw(st.integers(1, 100)), "objection_slug": draw(st.none() | slugs), "prompt": draw(texts),
        "rebuttal": draw(texts), **draw(graded()),
        "reply": draw(st.none() | texts), "engine": draw(engines), "grade_ms": draw(millis),
        "reply_ms": draw(millis), "created_at": draw(stamps),
    } for uid in draw(st.lists(uids, unique=True, max_size=8))]
    lessons = [{"lesson_slug": slug, "read_at": draw(stamps)}
               for slug in draw(st.lists(st.sampled_from(["a", "handling-price", "b-2"]), unique=True))]
    runs = [{
        "uid": uid, "objection": draw(texts), "matched_slug": draw(st.none() | slugs),
        "confidence": draw(st.none() | st.floats(0, 1)), "engine": draw(st.sampled_from(["builtin", "llm"])),
        "created_at": draw(stamps), "context": draw(json_objects), "result": draw(json_objects),
    } for uid in draw(st.lists(uids, unique=True, max_size=3))]
    return {"format": "closergym-export", "version": 1, "exported_at": draw(stamps),
            "trainee": {"name": draw(st.sampled_from(["Sam", "Zoë 🚀", "李雷", "Ana María"]))},
            "sessions": sessions, "turns": turns, "lesson_progress": lessons, "generator_runs": runs}


def in_export_order(document: dict) -> dict:
    """What an export of the imported document must look like (rows in the order export writes them)."""
    return {
        **without_stamp(document),
        "sessions": sorted(document["sessions"], key=lambda row: row["started_at"]),
        "turns": sorted(document["turns"], key=lambda row: row["created_at"]),
        "lesson_progress": sorted(document["lesson_progress"], key=lambda r: (r["read_at"], r["lesson_slug"])),
        "generator_runs": sorted(document["generator_runs"], key=lambda row: row["created_at"]),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents())
def test_any_valid_document_round_trips_identically(document):
    raw = json.dumps(document, ensure_ascii=False).encode()
    first, second = store.open_db(":memory:"), store.open_db(":memory:")
    transfer.import_document(first, transfer.read_import_file(raw))
    trainee_id = store.list_trainees(first)[0]["id"]
    exported = transfer.export_json(first, trainee_id)
    assert without_stamp(json.loads(exported)) == in_export_order(document)
    transfer.import_document(second, transfer.read_import_file(exported))
    again = transfer.export_trainee(second, store.list_trainees(second)[0]["id"])
    assert without_stamp(again) == without_stamp(json.loads(exported))
    assert not any(transfer.import_document(second, json.loads(exported)).added.values())


# -- command line -----------------------------------------------------------------------------------


def test_cli_export_then_import_into_another_database(db, filled, isolated_db, tmp_path):
    out, other = tmp_path / "sam.json", tmp_path / "other.db"
    done = closergym("export", "--trainee", "sam", "--out", str(out), db_path=isolated_db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Exported Sam: 2 sessions, 5 turns, 1 lessons read to ")
    assert json.loads(out.read_bytes())["trainee"] == {"name": "Sam"}

    first = closergym("import", str(out), "--as", "Samantha", db_path=other)
    assert first.returncode == 0, first.stderr
    summary, code = first.stdout.strip().split(" Its access code is ")
    assert summary == ("Imported into Samantha (new trainee): added 2 sessions, 5 turns, "
                       "1 lesson read, 1 generator run; already there: nothing.")
    code = code.split(":")[0]
    # The new profile is private: a second import into it needs its code.
    refused = closergym("import", str(out), "--as", "Samantha", db_path=other)
    assert refused.returncode == 2 and "private profile" in refused.stderr
    second = closergym("import", str(out), "--as", "Samantha", "--code", code, db_path=other)
    assert "added nothing" in second.stdout


def test_cli_private_profiles_need_their_code(db, isolated_db, tmp_path):
    blair = store.create_trainee(db, "Blair", private=True)
    store.save_turn(db, {"trainee_id": blair["id"], "round": 1, "objection_slug": "too-expensive", "prompt": "p",
                         "rebuttal": "Blair's secret rebuttal", "tier": "weak", "score": 10,
                         "acknowledge": 0, "clarify": 0, "respond": 0, "advance": 0})
    out = tmp_path / "blair.json"
    listed = closergym("trainees", db_path=isolated_db)
    assert "Blair\tprivate" in listed.stdout and "turns" not in listed.stdout
    for extra, message in (([], "private profile"), (["--code", "AAAA-BBBB-CCCC"], "does not open")):
        done = closergym("export", "--trainee", "Blair", "--out", str(out), *extra, db_path=isolated_db)
        assert done.returncode == 2 and message in done.stderr
        assert not out.exists()
    done = closergym("export", "--trainee", "blair", "--out", "-", "--code", blair["access_code"].lower(),
                     db_path=isolated_db)
    assert done.returncode == 0 and "Blair's secret rebuttal" in done.stdout


def test_importing_into_someone_elses_private_profile_is_refused(db, filled):
    blair = store.create_trainee(db, "Blair", private=True)
    document = transfer.export_trainee(db, filled["id"])
    before = store.trainee_counts(db, blair["id"])
    with pytest.raises(transfer.TransferError, match="private profile"):
        transfer.import_document(db, document, as_trainee="Blair")
    with pytest.raises(transfer.TransferError, match="private profile"):
        transfer.import_document(db, document, as_trainee="Blair", access_code="WRONG-CODE-0000")
    assert store.trainee_counts(db, blair["id"]) == before
    report = transfer.import_document(db, document, as_trainee="Blair", owner_id=blair["id"])
    assert report.added["turns"] == 5 and store.trainee_counts(db, blair["id"])["turns"] == before["turns"] + 5


def test_cli_export_csv(db, filled, isolated_db, tmp_path):
    out = tmp_path / "turns.csv"
    done = closergym("export", "--trainee", "Sam", "--out", str(out), "--csv", db_path=isolated_db)
    assert done.returncode == 0 and "5 graded turns" in done.stdout
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 6


@pytest.mark.parametrize("args, message", [
    (["export", "--trainee", "Nobody", "--out", "x.json"], "no trainee called 'Nobody'"),
    (["import", "missing.json"], "could not read missing.json"),
])
def test_cli_errors_exit_2_with_one_line(db, filled, isolated_db, args, message):
    done = closergym(*args, db_path=isolated_db)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_cli_refuses_a_corrupt_file_and_changes_nothing(db, filled, isolated_db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(transfer.export_json(db, filled["id"])[:-40])
    before = dump(db)
    done = closergym("import", str(bad), "--as", "Newcomer", db_path=isolated_db)
    assert done.returncode == 2 and "looks truncated" in done.stderr and "Traceback" not in done.stderr
    assert dump(db) == before


def test_cli_will_not_overwrite_the_database(db, filled, isolated_db):
    done = closergym("export", "--trainee", "Sam", "--out", str(isolated_db), db_path=isolated_db)
    assert done.returncode == 2 and "is the database itself" in done.stderr
