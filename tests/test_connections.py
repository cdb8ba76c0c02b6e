"""Streamlit runs each rerun on a new thread: connections of finished threads must not pile up."""

from __future__ import annotations

import os
import threading

import runtime


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def on_a_thread(work) -> None:
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def test_connections_of_finished_threads_are_closed(isolated_db):
    on_a_thread(lambda: runtime.db().execute("SELECT 1"))  # the first open creates and migrates the file
    baseline = open_fds()
    for _ in range(40):
        on_a_thread(lambda: runtime.db().execute("SELECT count(*) FROM trainees"))
    assert runtime.open_connections() == 1  # the last thread's, until the next one opens
    assert open_fds() <= baseline + 3  # no file handles left behind by the 39 others


def test_a_thread_keeps_its_own_connection_and_live_threads_never_share(isolated_db):
    on_a_thread(lambda: runtime.db())  # the first open creates and migrates the file
    seen, both_open = [], threading.Barrier(2, timeout=10)

    def work():
        seen.append((runtime.db(), runtime.db()))
        both_open.wait()  # neither thread finishes before the other has its connection

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    (first, again), (second, _) = seen
    assert first is again and second is not first


def test_a_finished_threads_connection_is_handed_to_the_next_thread(isolated_db):
    seen = []
    on_a_thread(lambda: seen.append(runtime.db()))
    on_a_thread(lambda: seen.append(runtime.db()))
    assert seen[0] is seen[1]  # reused, not closed and reopened
    assert runtime.open_connections() == 1
    on_a_thread(lambda: seen.append(runtime.db().execute("SELECT count(*) FROM trainees").fetchone()))
    assert seen[2] == (0,)
