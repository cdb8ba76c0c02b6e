"""The deployer's documents agree: every setting the README names is in the secrets example, which is valid
TOML once uncommented, and the README stays a user's guide with its internals in docs/."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")


def uncommented(example: str) -> dict:
    """The example with every commented-out setting switched on."""
    lines = []
    for line in example.splitlines():
        body = line[2:] if line.startswith("# ") else line[1:] if line == "#" else line
        if re.match(r"^(?:\[[a-z_]+\]|[A-Za-z_]+ = )", body):
            lines.append(body)
    return tomllib.loads("\n".join(lines))


def test_every_setting_in_the_readme_table_is_in_the_secrets_example():
    table = re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.MULTILINE)
    assert "CLOSERGYM_INSTRUCTOR_PASSCODE" in table and len(table) >= 9
    settings = uncommented(EXAMPLE)
    assert [name for name in table if name not in settings] == []


def test_the_example_holds_the_auth_section_the_readme_points_to():
    settings = uncommented(EXAMPLE)
    readme_auth = re.search(r"\[auth\]\n(.*?)```", README, flags=re.DOTALL).group(1)
    keys = re.findall(r"^([a-z_]+) = ", readme_auth, flags=re.MULTILINE)
    assert keys and sorted(settings["auth"]) == sorted(keys)


def test_the_readme_is_a_users_guide_with_its_internals_in_docs():
    headings = re.findall(r"^## (.+)$", README, flags=re.MULTILINE)
    assert {"Two commands", "Configuration", "Deploying for a class", "Command line"} <= set(headings)
    assert "GC" not in README and "postScriptGC" not in README
    internals = (ROOT / "docs" / "internals.md").read_text(encoding="utf-8")
    assert "postScriptGC" in internals and "## Benchmarks" in internals and "## Layout" in internals


def test_the_reverse_proxy_recipe_passes_websockets_and_overwrites_the_forwarded_address():
    assert "proxy_set_header Upgrade $http_upgrade" in README
    assert "proxy_set_header X-Forwarded-For $remote_addr" in README
    assert "--server.allowedHosts" in README
