import sqlite3

import pytest

from closergym import store
from closergym.config import load_config


def test_fresh_database_has_all_migrations_and_wal(db, isolated_db):
    assert store.applied_migrations(db) == [m.name for m in store.migrations._migrations]
    assert next(db.query("PRAGMA journal_mode"))["journal_mode"] == "wal"
    assert next(db.query("PRAGMA busy_timeout"))["timeout"] == store.BUSY_TIMEOUT_MS
    assert {"trainees", "sessions", "turns", "lesson_progress", "generator_runs"} <= set(db.table_names())


def test_upgrade_from_first_migration_keeps_data(isolated_db):
    old = store.connect(isolated_db)
    store.migrations.apply(old, stop_before="002_generator_runs")
    assert store.applied_migrations(old) == ["001_initial"]
    assert "generator_runs" not in old.table_names()
    trainee = store.create_trainee(old, "Early Adopter")
    old.close()

    db = store.open_db(isolated_db)
    assert store.applied_migrations(db) == [m.name for m in store.migrations._migrations]
    assert store.get_trainee_by_name(db, "early adopter")["id"] == trainee["id"]
    store.save_generator_run(db, {"trainee_id": trainee["id"], "objection": "Too pricey"})
    assert store.generator_runs(db, trainee["id"])[0]["objection"] == "Too pricey"


def test_reopening_applies_nothing_twice(isolated_db):
    store.open_db(isolated_db).close()
    db = store.open_db(isolated_db)
    assert len(store.applied_migrations(db)) == len(set(store.applied_migrations(db)))


def test_default_path_is_outside_the_repo_in_a_user_folder(tmp_path):
    config = load_config({"XDG_DATA_HOME": str(tmp_path / "data")})
    assert config.db_path == tmp_path / "data" / "closergym" / "closergym.db"
    assert not config.db_path_from_env
    store.open_db(config.db_path).close()  # the default folder is created when missing
    assert config.db_path.exists()


@pytest.mark.parametrize(
    "raw, expected",
    [("  Sam  ", "Sam"), ("Ana  María", "Ana María"), ("李雷", "李雷"), ("Zoë 🚀", "Zoë 🚀")],
)
def test_trainee_names_are_normalised(raw, expected):
    assert store.clean_trainee_name(raw) == expected


@pytest.mark.parametrize(
    "bad, message",
    [("", "Type a name"), ("   ", "Type a name"), ("x" * 41, "40 or fewer"),
     ("Sam\x00", "control"), ("Sam\nBob", "control"), ("!!!", "letter or digit")],
)
def test_bad_trainee_names_are_refused_with_a_message(bad, message):
    with pytest.raises(ValueError, match=message):
        store.clean_trainee_name(bad)


def test_two_trainees_cannot_share_a_name(db):
    store.create_trainee(db, "Sam")
    with pytest.raises(ValueError, match="already exists"):
        store.create_trainee(db, "  sAM ")
    assert len(store.list_trainees(db)) == 1


def test_missing_env_folder_is_reported_not_created(tmp_path):
    path = tmp_path / "nowhere" / "closergym.db"
    with pytest.raises(store.StorageError, match="does not exist") as error:
        store.open_db(path, create_folder=False)
    assert str(path.parent) in str(error.value)
    assert not path.parent.exists()


def test_file_that_is_not_sqlite_is_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my precious notes\n")
    with pytest.raises(store.StorageError, match="not a SQLite database") as error:
        store.open_db(path)
    assert str(path) in str(error.value)
    assert path.read_text() == "my precious notes\n"


def test_read_only_database_is_reported(tmp_path):
    path = tmp_path / "ro.db"
    store.open_db(path).close()
    before = path.read_bytes()
    path.chmod(0o444)
    with pytest.raises(store.StorageError, match="read-only"):
        store.open_db(path)
    assert path.read_bytes() == before


def test_folder_given_as_database_is_reported(tmp_path):
    with pytest.raises(store.StorageError, match="is a folder"):
        store.open_db(tmp_path)


def turn_row(trainee_id: int, **extra) -> dict:
    return {"trainee_id": trainee_id, "prompt": "I need to think about it.", "rebuttal": "What part?",
            "tier": "strong", "score": 60, "acknowledge": 0, "clarify": 2, "respond": 0, "advance": 0,
            **extra}


def test_save_turn_is_idempotent_by_uid(db, trainee):
    first = store.save_turn(db, turn_row(trainee["id"], uid="abc"))
    second = store.save_turn(db, turn_row(trainee["id"], uid="abc"))
    assert first == second
    assert db["turns"].count == 1


def test_turn_outside_the_rubric_is_rejected_and_nothing_saved(db, trainee):
    with pytest.raises(sqlite3.IntegrityError):
        store.save_turn(db, turn_row(trainee["id"], score=140))
    assert db["turns"].count == 0


def test_session_reads_are_scoped_to_the_trainee(db, trainee):
    other = store.create_trainee(db, "Alex")
    session = store.create_session(db, trainee_id=trainee["id"], kind="sparring", state={"round": 1})
    assert session["state"] == {"round": 1}
    assert store.get_session(db, session["id"], trainee_id=other["id"]) is None
    store.save_turn(db, turn_row(trainee["id"], session_id=session["id"]))
    assert store.session_turns(db, session["id"], trainee_id=other["id"]) == []
    assert len(store.session_turns(db, session["id"], trainee_id=trainee["id"])) == 1
