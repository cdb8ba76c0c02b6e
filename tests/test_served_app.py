"""What a served app shows a visitor who is not its operator: no server paths, versions or stack traces."""

from __future__ import annotations

import platform
import tomllib

from tests.conftest import ROOT, app_for
from tests.test_cohorts import sign_in


def test_errors_show_a_short_message_not_a_stack_trace():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_settings_shows_paths_and_versions_only_to_the_operator(trainee, isolated_db, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_INSTRUCTOR_PASSCODE", "let-me-teach")
    shown = "\n".join(m.value for m in app_for(trainee, "app_pages/settings.py").markdown)
    assert isolated_db.name in shown
    assert str(isolated_db.parent) not in shown and f"Python {platform.python_version()}" not in shown
    instructor = sign_in(app_for(trainee, "app_pages/instructor.py"), "let-me-teach")
    instructor.switch_page("app_pages/settings.py").run()
    shown = "\n".join(m.value for m in instructor.markdown)
    assert str(isolated_db) in shown and f"Python {platform.python_version()}" in shown
