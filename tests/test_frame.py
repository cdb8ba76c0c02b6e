"""The frame: navigation, the trainee picker, the Settings page, and a database that cannot open."""

import pytest

import runtime
from closergym import store
from tests.conftest import app_for

PAGES = ["app_pages/home.py", "app_pages/lessons.py", "app_pages/sparring.py", "app_pages/generator.py", "app_pages/instructor.py",
         "app_pages/progress.py", "app_pages/settings.py", "app_pages/calls.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_a_trainee(trainee, page):
    at = app_for(trainee, page)
    assert not at.exception
    assert at.title, f"{page} shows no title"


def test_first_visit_asks_for_a_name_and_creates_a_private_profile(db):
    at = app_for(None)
    assert not at.exception
    assert "Create your profile" in at.info[0].value
    at.text_input(key="page_new_trainee_name").set_value("Jordan")
    at.button(key="page_new_trainee_submit").click().run()
    assert not at.exception
    jordan = store.get_trainee_by_name(db, "Jordan")
    assert jordan and jordan["access_hash"]
    assert at.query_params["trainee"] == "Jordan"
    code = at.query_params["code"]
    # on the page itself, where a phone shows it (its sidebar is closed)
    assert store.check_access(jordan, code) and code in " ".join(i.value for i in at.main.info)
    assert any("Welcome, Jordan" in s.value for s in at.subheader)
    # Settings shows the code again, one tap away (a phone's sidebar, with its links, is closed), with the profile
    settings = [link.proto for link in at.main.get("page_link") if link.proto.label == "Settings"]
    assert settings and f"code={code}" in settings[0].query_string


def test_duplicate_name_shows_a_message(db, trainee):
    at = app_for(None)
    at.text_input(key="page_new_trainee_name").set_value("sam")
    at.button(key="page_new_trainee_submit").click().run()
    assert any("already exists" in e.value for e in at.error)
    assert len(store.list_trainees(db)) == 1


def test_trainee_is_remembered_through_the_url(db):
    store.create_trainee(db, "Sam")
    alex = store.create_trainee(db, "Alex", private=True)
    at = app_for(None, query={"trainee": "Alex", "code": alex["access_code"]})
    assert at.session_state["trainee_id"] == alex["id"]
    assert "Training as **Alex**" in at.sidebar.markdown[0].value


def test_switching_between_profiles_opened_in_this_browser(db):
    at = app_for(None)
    for name in ("Sam", "Alex"):
        at.button(key="sidebar_switch_trainee").click().run()
        at.text_input(key="sidebar_new_trainee_name").set_value(name)
        at.button(key="sidebar_new_trainee_submit").click().run()
    sam = store.get_trainee_by_name(db, "Sam")
    assert at.sidebar.selectbox[0].options == ["Sam", "Alex"]
    at.sidebar.selectbox[0].set_value(sam["id"]).run()
    assert at.session_state["trainee_id"] == sam["id"]
    assert at.query_params["trainee"] == "Sam"


def test_open_a_profile_with_its_code(db):
    kim = store.create_trainee(db, "Kim", private=True)
    at = app_for(None)
    at.button(key="sidebar_switch_trainee").click().run()
    at.text_input(key="sidebar_open_trainee_name").set_value("Kim")
    at.text_input(key="sidebar_open_trainee_code").set_value("WRONG-CODE-9999")
    at.button(key="sidebar_open_trainee_submit").click().run()
    assert "trainee_id" not in at.session_state or at.session_state["trainee_id"] is None
    assert any("do not match" in e.value for e in at.error)  # shown in the still-open dialog
    at.text_input(key="sidebar_open_trainee_name").set_value("Kim")
    at.text_input(key="sidebar_open_trainee_code").set_value(kim["access_code"].lower())
    at.button(key="sidebar_open_trainee_submit").click().run()
    assert at.session_state["trainee_id"] == kim["id"]


def test_settings_shows_engine_database_and_version(trainee, isolated_db):
    at = app_for(trainee, "app_pages/settings.py")
    text = " ".join(m.value for m in at.markdown)
    assert "Built-in" in text
    assert isolated_db.name in text  # the whole path only for instructors: tests/test_served_app.py
    assert "Closer Gym 0." in text


def test_database_that_is_not_sqlite_gives_a_clear_message(isolated_db):
    isolated_db.write_text("not a database")
    at = app_for(None)
    assert not at.exception
    assert "not a SQLite database" in at.error[0].value
    assert str(isolated_db) in at.error[0].value
    assert isolated_db.read_text() == "not a database"


def test_missing_db_folder_from_env_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_DB", str(tmp_path / "missing" / "gym.db"))
    at = app_for(None)
    assert not at.exception
    assert "does not exist" in at.error[0].value
    assert not (tmp_path / "missing").exists()


def test_a_page_run_reads_the_settings_once_and_the_next_run_reads_them_again(trainee, monkeypatch):
    reads = []
    real = runtime.load_config
    monkeypatch.setattr(runtime, "load_config", lambda *args: reads.append(1) or real(*args))
    at = app_for(trainee, "app_pages/sparring.py")
    assert not at.exception
    assert len(reads) == 2  # app_for runs the app twice: once to open it, once on the page
    assert runtime.config().model == ""  # outside a script run (a test, a tool): read on every call
    monkeypatch.setenv("CLOSERGYM_MODEL", "a-model-set-later")
    assert runtime.config().model == "a-model-set-later"
    at.run()
    assert len(reads) == 5


def test_a_pages_first_run_settles_the_heap_once(trainee):
    """What the heap holds after a page's first run leaves the garbage collector's sight (`gc.freeze`), once
    per page: a later run of it freezes nothing more (frozen garbage would never be freed)."""
    import gc

    runtime._settled_pages.discard("sparring")
    before = gc.get_freeze_count()
    at = app_for(trainee, "app_pages/sparring.py", query={"objection": "too-expensive"})
    assert not at.exception and "sparring" in runtime._settled_pages
    settled = gc.get_freeze_count()
    assert settled > before
    at.run()
    assert gc.get_freeze_count() <= settled  # frozen objects that die still go; nothing new joins them


def test_a_new_profiles_code_stays_on_screen_until_acknowledged(db):
    """Shown once, it was lost to a double click on "Start training": the second rerun cut the first one off."""
    at = app_for(None, "app_pages/progress.py")
    at.text_input(key="page_new_trainee_name").input("Robin")
    at.button(key="page_new_trainee_submit").click().run()
    assert any("Your access code is" in info.value for info in at.info)
    at.switch_page("app_pages/home.py").run()  # another page, another run: still there
    assert any("Your access code is" in info.value for info in at.info)
    at.button(key="trainee_welcome_seen").click().run()
    assert not any("Your access code is" in info.value for info in at.info)
