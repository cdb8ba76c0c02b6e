"""Faults, with real threads, real disks and real files: many writers at once, a full disk, a read-only
file or disk, and the database deleted under a running app. Each time the page says what happened and
what to do (no traceback), and nothing is shown as saved that is not on disk.

A server killed with SIGKILL mid-session is in tests/browser/test_faults_browser.py (it needs Chromium).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

import runtime
from closergym import sessions, store
from tests.conftest import app_for, said, say, unescaped

STRONG = "That makes sense. What part of it is still on your mind?"
ELITE = ("That's fair, it's a real decision. Is it the cost, the timing, or whether it gets used? "
         "Most teams like yours break even within four months. Could we take 15 minutes Thursday at 2 "
         "to look at your numbers together?")
ANSWERS = ("No problem, take your time and let me know!", STRONG, ELITE)


# -- many writers ------------------------------------------------------------------------------------


def test_sixteen_threads_writing_at_once_lose_and_double_nothing(isolated_db):
    threads, turns_each = 16, 25
    with store.open_db(isolated_db) as db:
        trainee_ids = [store.create_trainee(db, f"Writer {n}")["id"] for n in range(threads)]
    start = threading.Barrier(threads)
    errors: list[str] = []
    sent: dict[int, list[str]] = {}

    def write(trainee_id: int) -> None:
        db = store.open_db(isolated_db)  # a connection per thread, as in the app
        uids = sent.setdefault(trainee_id, [])
        try:
            start.wait(timeout=30)
            session_id = None
            for number in range(turns_each):
                if session_id is None:
                    session_id = sessions.start_session(db, trainee_id=trainee_id, objection_slug="need-to-think",
                                                        seed=number + 1)["id"]
                uid = f"w{trainee_id}-{number}"
                result = sessions.take_turn(db, trainee_id=trainee_id, session_id=session_id,
                                            rebuttal=ANSWERS[number % 3], turn_uid=uid)
                uids.append(uid)
                if result.state.finished:
                    session_id = None
        except Exception as error:  # noqa: BLE001 - every failure is collected and asserted below
            errors.append(f"{trainee_id}: {error!r}")
        finally:
            db.close()

    workers = [threading.Thread(target=write, args=(trainee_id,)) for trainee_id in trainee_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a writer hung"
    assert errors == []
    with store.open_db(isolated_db) as db:
        for trainee_id in trainee_ids:
            saved = [row["uid"] for row in db.query("SELECT uid FROM turns WHERE trainee_id = ?", [trainee_id])]
            assert sorted(saved) == sorted(sent[trainee_id]) and len(saved) == turns_each
        doubled = list(db.query("SELECT session_id, round FROM turns GROUP BY session_id, round HAVING count(*) > 1"))
        assert doubled == []
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- the transaction and the messages -----------------------------------------------------------------


def test_a_commit_that_fails_is_rolled_back_and_releases_the_write_lock(db, trainee, isolated_db):
    with pytest.raises(sqlite3.IntegrityError), store.write_transaction(db):
        db.execute("PRAGMA defer_foreign_keys = ON")  # the foreign key is checked at COMMIT, which fails
        db.execute("INSERT INTO turns (uid, trainee_id, prompt, rebuttal, tier, score, acknowledge, clarify, "
                   "respond, advance, created_at) VALUES ('x', 999, 'p', 'r', 'weak', 1, 0, 0, 0, 0, 'now')")
    assert not db.conn.in_transaction
    other = sqlite3.connect(isolated_db, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # would raise "database is locked" if the failed COMMIT held the lock
    other.rollback()
    assert db["turns"].count == 0


def failing_write(kind: str, tmp_path: Path) -> sqlite3.Error:
    """Provoke one real SQLite failure of the given kind and return it."""
    path = tmp_path / "probe.db"
    store.open_db(path).close()
    if kind == "read-only":
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    elif kind == "full":
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    elif kind == "busy":
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        conn = sqlite3.connect(path, timeout=0)
    elif kind == "tables gone":
        path.unlink()
        conn = sqlite3.connect(path)
    else:  # a plain bug: misspelt SQL
        conn = sqlite3.connect(path)
    statement = ("INSERT INTO trainees (name, name_key, created_at) VALUES (hex(zeroblob(50000)), 'a', 'now')" if kind != "bug"
                 else "INSERT INTO trainess VALUES (1)")
    with pytest.raises(sqlite3.Error) as caught:
        conn.execute(statement)
        conn.commit()
    return caught.value


@pytest.mark.parametrize(("kind", "says"), [
    ("read-only", "has become read-only"),
    ("full", "is full"),
    ("busy", "stayed locked"),
    ("tables gone", "lost Closer Gym's tables"),
])
def test_storage_failures_are_explained_naming_the_file(kind, says, tmp_path):
    problem = store.storage_problem(failing_write(kind, tmp_path), tmp_path / "probe.db")
    assert problem is not None and says in str(problem) and str(tmp_path / "probe.db") in str(problem)


def test_an_error_that_is_a_bug_is_not_dressed_up_as_a_disk_problem(tmp_path):
    """A misspelt table in a query is a bug to show, not a database replaced under the app."""
    assert store.storage_problem(failing_write("bug", tmp_path), tmp_path / "probe.db") is None


# -- the page, on a real disk that fills up, turns read-only, or loses the file -------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs of our own, so a test can fill it or make it read-only (needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; run as root (as CI does) to test a full disk")
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs in this container: {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Write zeros until the disk refuses another byte."""
    with (folder / "filler").open("wb", buffering=0) as handle:
        for size in (65536, 512, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC


def on_disk(path: Path, *, read_only_disk: bool = False) -> list[str]:
    """The answers saved in the file, read without writing (on a read-only disk SQLite cannot make the
    shared-memory file, and the last connection to close has moved everything into the file)."""
    flags = "mode=ro&immutable=1" if read_only_disk else "mode=ro"
    conn = sqlite3.connect(f"file:{path}?{flags}", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT rebuttal FROM turns ORDER BY id")]
    finally:
        conn.close()


def sparring_after_one_answer(path: Path, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_DB", str(path))
    with store.open_db(path) as db:
        me = store.create_trainee(db, "Sam")
    at = app_for(me, "app_pages/sparring.py", query={"objection": "need-to-think"})
    say(at, STRONG)
    assert on_disk(path) == [STRONG]
    return at


def refused(at, *phrases: str) -> None:
    """The page explains the failure (no traceback) and does not show the answer as taken."""
    assert not at.exception
    message = unescaped(" ".join(shown.value for shown in [*at.error, *at.warning]))
    for phrase in phrases:
        assert phrase in message, message
    assert "not saved" in message
    assert ELITE not in [m["text"] for m in said(at)]


def test_a_full_disk_refuses_the_answer_with_a_message_then_recovers(small_disk, monkeypatch):
    path = small_disk / "gym.db"
    keep = store.open_db(path)  # a second user keeps the write-ahead log open, as on a busy server
    at = sparring_after_one_answer(path, monkeypatch)
    fill(small_disk)
    say(at, ELITE)
    refused(at, "is full", str(path))
    assert on_disk(path) == [STRONG]
    (small_disk / "filler").unlink()
    say(at, ELITE)  # space again: the same answer goes through, once
    assert not at.exception and not at.error and not at.warning
    assert on_disk(path) == [STRONG, ELITE]
    keep.close()


def test_a_database_made_read_only_mid_session_is_explained(isolated_db, monkeypatch):
    at = sparring_after_one_answer(isolated_db, monkeypatch)
    isolated_db.chmod(0o444)
    say(at, ELITE)
    refused(at, "read-only", str(isolated_db))
    assert on_disk(isolated_db) == [STRONG]
    isolated_db.chmod(0o644)
    at.run()  # the user reloads once the file is writable again
    say(at, ELITE)
    assert not at.error and on_disk(isolated_db) == [STRONG, ELITE]


def test_a_disk_remounted_read_only_is_explained(small_disk, monkeypatch):
    path = small_disk / "gym.db"
    at = sparring_after_one_answer(path, monkeypatch)
    del at  # its script threads have finished: their connections must close, or the kernel refuses to remount
    runtime.close_finished_connections()
    remounted = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True)
    assert remounted.returncode == 0, remounted.stderr
    me = {"id": 1}
    at = app_for(me, "app_pages/sparring.py")
    refused(at, "read-only", str(path))
    assert not at.chat_input  # nothing offers to take an answer it cannot keep
    assert on_disk(path, read_only_disk=True) == [STRONG]


def test_a_database_deleted_under_the_running_app_is_not_silently_replaced(isolated_db, monkeypatch):
    at = sparring_after_one_answer(isolated_db, monkeypatch)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{isolated_db}{suffix}").unlink(missing_ok=True)
    say(at, ELITE)
    refused(at, "was deleted or moved", str(isolated_db))
    assert not isolated_db.exists()  # no new, empty database was made in its place


def test_a_database_put_back_from_a_copy_is_used_from_the_next_answer(isolated_db, monkeypatch, tmp_path):
    """A restore while the app runs (`sqlite3 ... .backup`, then the copy moved into place): the page's
    connections to the old file are dropped, so the page and the saved conversation stay one."""
    at = sparring_after_one_answer(isolated_db, monkeypatch)
    copy = tmp_path / "copy.db"
    with sqlite3.connect(isolated_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    os.replace(copy, isolated_db)
    say(at, ELITE)
    assert not at.warning and not at.error
    with sqlite3.connect(isolated_db) as other:  # another program (a backup, the CLI) checkpoints the file
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert on_disk(isolated_db) == [STRONG, ELITE]
    reloaded = app_for({"id": 1}, "app_pages/sparring.py")
    assert [m["text"] for m in said(reloaded) if m["who"] == "rep"] == [STRONG, ELITE]


def test_a_file_that_is_not_a_database_is_refused_and_let_go(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database " * 100)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        with pytest.raises(store.StorageError, match="is not a SQLite database"):
            store.open_db(path)
    assert len(os.listdir("/proc/self/fd")) <= before + 1  # no descriptor kept until a garbage collection


def test_an_answer_the_server_stopped_grading_is_offered_back_and_saved_once(db, trainee):
    """Issue 20, finding 6: the server stops (a restart) after taking an answer in and before saving its turn.
    The next run of the page says so, shows the answer to copy, and "Send it again" grades it, once."""
    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="need-to-think")
    store.hold_answer(db, session["id"], trainee_id=trainee["id"], round_number=1, text=STRONG)  # then the crash
    at = app_for(trainee, "app_pages/sparring.py")
    shown = unescaped(" ".join(w.value for w in at.warning))
    assert "was not graded: the server stopped" in shown
    assert STRONG in [block.value for block in at.code]
    assert db["turns"].count == 0
    next(b for b in at.button if b.label == "Send it again").click().run()
    assert not at.exception and not at.warning
    assert [m["text"] for m in said(at) if m["who"] == "rep"] == [STRONG]
    at.run()  # a later run offers nothing back
    assert not [b for b in at.button if b.label == "Send it again"]
    assert [row["rebuttal"] for row in db.query("SELECT rebuttal FROM turns")] == [STRONG]
    assert store.get_session(db, session["id"], trainee_id=trainee["id"])["pending"] is None


def test_an_answer_being_graded_is_not_offered_back(db, trainee):
    """While this server is still grading it (another tab), the held answer is not a cut-off one."""
    from closergym import conversation

    session = sessions.start_session(db, trainee_id=trainee["id"], objection_slug="need-to-think")
    store.hold_answer(db, session["id"], trainee_id=trainee["id"], round_number=1, text=STRONG)
    with conversation._one_at_a_time(session["id"]):
        assert conversation.view(db, store.get_session(db, session["id"], trainee_id=trainee["id"]))["cut_off"] is None
    assert conversation.view(db, store.get_session(db, session["id"], trainee_id=trainee["id"]))["cut_off"] == STRONG
