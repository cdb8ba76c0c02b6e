"""The "Your data" part of the Settings page, through AppTest (downloads, import, errors)."""

import json
import re

from closergym import store, transfer
from tests.conftest import app_for
from tests.test_transfer import populate

PAGE = "app_pages/settings.py"


def export_of(db, trainee) -> bytes:
    populate(db, trainee)
    return transfer.export_json(db, trainee["id"])


def shown(element) -> str:
    """An element's text as the user reads it (the page escapes Markdown in messages)."""
    return re.sub(r"\\(.)", r"\1", element.value)


def upload(at, name: str, raw: bytes):
    at.file_uploader(key="settings_import_file_0").set_value((name, raw, "application/json")).run()
    return at.button(key="settings_import_button").click().run()


def test_the_page_offers_both_downloads_and_the_cloud_note(trainee):
    at = app_for(trainee, PAGE)
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == ["Everything (JSON)", "Graded turns (CSV)"]
    assert "Your data" in [h.value for h in at.subheader]
    assert any("Streamlit Community Cloud" in c.value and "export regularly" in c.value for c in at.caption)


def test_without_a_trainee_there_is_nothing_to_download_or_import(db, tmp_path):
    at = app_for(None, PAGE)
    assert not at.get("download_button") and not at.get("file_uploader")
    assert any("Open your profile" in i.value for i in at.info)


def test_a_new_profile_imports_a_file_under_its_name(db, tmp_path):
    source = store.open_db(tmp_path / "theirs.db")
    raw = export_of(source, store.create_trainee(source, "Alex"))
    at = upload(app_for(store.create_trainee(db, "Newcomer"), PAGE), "alex.json", raw)
    assert not at.exception and not at.error
    assert "Imported into Alex (new trainee): added 2 sessions, 5 turns" in shown(at.success[0])
    assert store.get_trainee_by_name(db, "Alex") is not None


def test_the_same_file_imported_twice_under_its_own_new_name_adds_nothing(db, trainee, tmp_path):
    source = store.open_db(tmp_path / "theirs.db")
    raw = export_of(source, store.create_trainee(source, "Carol"))
    at = upload(app_for(trainee, PAGE), "carol.json", raw)
    assert "Imported into Carol (new trainee)" in shown(at.success[0])
    at.file_uploader(key="settings_import_file_1").set_value(("carol.json", raw, "application/json")).run()
    at.button(key="settings_import_button").click().run()
    assert not at.error, at.error[0].value  # this browser holds Carol's new code: no "someone's private profile"
    assert "added nothing; already there: 2 sessions" in shown(at.success[0])


def test_an_import_as_me_shows_the_report_and_twice_adds_nothing(db, trainee, tmp_path):
    source = store.open_db(tmp_path / "theirs.db")
    raw = export_of(source, store.create_trainee(source, "Alex"))
    at = app_for(trainee, PAGE)
    at.radio(key="settings_import_as").set_value("me").run()
    at = upload(at, "alex.json", raw)
    assert "Imported into Sam: added 2 sessions, 5 turns" in shown(at.success[0])
    assert len(transfer.export_trainee(db, trainee["id"])["turns"]) == 5
    assert at.file_uploader[0].key == "settings_import_file_1"  # a fresh, empty uploader
    at.file_uploader(key="settings_import_file_1").set_value(("alex.json", raw, "application/json")).run()
    at.button(key="settings_import_button").click().run()
    assert "added nothing; already there: 2 sessions" in shown(at.success[0])


def test_a_bad_file_shows_what_is_wrong_and_changes_nothing(db, trainee):
    document = json.loads(export_of(db, trainee))
    document["turns"][3]["score"] = 250
    before = transfer.export_trainee(db, trainee["id"])
    at = upload(app_for(trainee, PAGE), "broken.json", json.dumps(document).encode())
    assert not at.exception and not at.success
    message = shown(at.error[0])
    assert message.startswith("Nothing was imported.") and "turns[3].score: must be 0-100 (got 250)" in message
    after = transfer.export_trainee(db, trainee["id"])
    assert (before["turns"], before["sessions"]) == (after["turns"], after["sessions"])


def test_a_file_that_is_not_json_is_refused_without_a_traceback(trainee):
    at = upload(app_for(trainee, PAGE), "notes.json", b"\x89PNG\r\n\x1a\n not json")
    assert not at.exception
    assert "not UTF-8 text" in shown(at.error[0])


def test_the_import_as_choice_shows_the_name_as_text(db):
    from components.text import literal

    sam = store.create_trainee(db, "Sam me@x.example [x](http://e.co)")
    at = app_for(sam, PAGE)
    assert literal(sam["name"]) in at.radio(key="settings_import_as").options
