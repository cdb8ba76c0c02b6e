"""Settings → Your data in a real browser: download the export, then import it as another trainee
(a copy in the same database)."""

import json

from closergym import store, transfer
from tests.browser.conftest import Server, private_link, wait_for_app
from tests.test_transfer import populate


def test_download_the_export_and_import_it_back(tmp_path, watched):
    server = Server(tmp_path / "closergym.db")
    try:
        db = store.open_db(server.db_path)
        populate(db, store.create_trainee(db, "Sam"))
        store.create_trainee(db, "Robin")
        page = watched.page
        page.goto(f"{server.url}/settings?{private_link(server.db_path, 'Sam')}")
        wait_for_app(page)

        with page.expect_download() as download:
            page.get_by_role("button", name="Everything (JSON)").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.name.startswith("closergym-sam-") and path.suffix == ".json"
        document = json.loads(path.read_bytes())
        assert document["trainee"] == {"name": "Sam"} and len(document["turns"]) == 5

        with page.expect_download() as download:
            page.get_by_role("button", name="Graded turns (CSV)").click()
        assert len(download.value.path().read_text(encoding="utf-8-sig").splitlines()) == 6

        page.goto(f"{server.url}/settings?{private_link(server.db_path, 'Robin')}")
        wait_for_app(page)
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
        page.get_by_role("radiogroup").get_by_text("Robin").click()
        wait_for_app(page)
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Imported into Robin: added 2 sessions, 5 turns").wait_for()
        robin = store.get_trainee_by_name(db, "Robin")
        assert len(transfer.export_trainee(db, robin["id"])["turns"]) == 5
        watched.assert_clean()
    finally:
        server.stop()
