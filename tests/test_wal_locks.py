"""Another process (the CLI, a backup, a test) reading the database while the app has it open.

POSIX file locks belong to a process, and closing *any* descriptor of a file drops all of them: if the
app opened its database file with plain `open()` while its connections were live, the next program to
close a connection would think it was the last one, checkpoint and delete the WAL, and the app's
later writes would go to a deleted file that nobody else can see."""

from __future__ import annotations

import subprocess
import sys

from closergym import store

COUNT = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "print(c.execute('SELECT count(*) FROM trainees').fetchone()[0]); c.close()")


def count_from_another_process(path) -> int:
    done = subprocess.run([sys.executable, "-c", COUNT, str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_writes_stay_visible_to_other_processes_after_more_connections_open(tmp_path):
    path = tmp_path / "gym.db"
    first = store.open_db(path)
    second = store.open_db(path)  # e.g. another script run's thread opening its own connection
    assert count_from_another_process(path) == 0  # that reader closes: it must not be "the last one"
    store.create_trainee(first, "Kim")
    store.create_trainee(second, "Lee")
    assert count_from_another_process(path) == 2
    first.close()
    second.close()
    assert count_from_another_process(path) == 2
