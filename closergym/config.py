"""Settings, read once from the environment and from `st.secrets` values handed in by the app.

The engine never reads `os.environ` or Streamlit secrets on its own: the app (or the command line)
builds one `Config` and passes it down. Secrets such as the API key live here and nowhere else; the
`repr` hides them so they cannot leak into logs or error messages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

APP_DIR_NAME = "closergym"
DB_FILE_NAME = "closergym.db"


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The per-user data folder (XDG on Linux, the usual places elsewhere), outside the repo."""
    if os.name == "nt":
        base = environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP_DIR_NAME
    if os.uname().sysname == "Darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR_NAME
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME


@dataclass(frozen=True)
class Config:
    db_path: Path
    db_path_from_env: bool = False
    openai_api_key: str = field(default="", repr=False)
    openai_base_url: str = ""
    model: str = ""
    instructor_passcode: str = field(default="", repr=False)
    instructors: tuple[str, ...] = ()  # e-mails that sign in with st.login as instructors
    auth_configured: bool = False  # an [auth] section in st.secrets (OIDC through st.login)
    allow_visitor_llm: bool = False  # may a browser session connect its own LLM endpoint (Settings)?
    visitor_llm_hosts: tuple[str, ...] = ()  # if any: the only hosts ("host" or "host:port") visitors may name
    public_url: str = ""  # the address trainees open (join links); empty: the address the instructor's browser uses

    @property
    def bootcamp(self) -> bool:
        """Instructor features are on when a passcode or OIDC sign-in is configured."""
        return bool(self.instructor_passcode or (self.auth_configured and self.instructors))

    @property
    def llm_configured(self) -> bool:
        return bool(self.model and (self.openai_api_key or self.openai_base_url))

    @property
    def llm_host(self) -> str:
        if not self.openai_base_url:
            return "api.openai.com"
        return urlsplit(self.openai_base_url).netloc or self.openai_base_url


def load_config(
    environ: Mapping[str, str] = os.environ, secrets: Mapping[str, object] | None = None
) -> Config:
    """Build the settings: environment variables first, then `secrets` (from `st.secrets`)."""
    secrets = secrets or {}

    def setting(name: str) -> str:
        value = environ.get(name)
        if value is None:
            value = secrets.get(name, "")
        return str(value or "").strip()

    db_env = setting("CLOSERGYM_DB")
    db_path = Path(db_env).expanduser() if db_env else default_data_dir(environ) / DB_FILE_NAME
    return Config(
        db_path=db_path,
        db_path_from_env=bool(db_env),
        openai_api_key=setting("OPENAI_API_KEY"),
        openai_base_url=setting("OPENAI_BASE_URL"),
        model=setting("CLOSERGYM_MODEL"),
        instructor_passcode=setting("CLOSERGYM_INSTRUCTOR_PASSCODE"),
        instructors=_items(environ.get("CLOSERGYM_INSTRUCTORS") or secrets.get("CLOSERGYM_INSTRUCTORS")),
        auth_configured=isinstance(secrets.get("auth"), Mapping) and bool(secrets.get("auth")),
        allow_visitor_llm=setting("CLOSERGYM_ALLOW_VISITOR_LLM").lower() in TRUE_WORDS,
        visitor_llm_hosts=_items(environ.get("CLOSERGYM_VISITOR_LLM_HOSTS") or secrets.get("CLOSERGYM_VISITOR_LLM_HOSTS")),
        public_url=public_url(setting("CLOSERGYM_PUBLIC_URL")),
    )


def public_url(value: str) -> str:
    """CLOSERGYM_PUBLIC_URL as a base for links (`https://gym.example.com/path`, no trailing slash); a value
    that is not an http(s) address is ignored (the links then use the instructor's own address)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def _items(value: object) -> tuple[str, ...]:
    """A list (st.secrets) or a comma-separated string (the environment), trimmed and case-folded."""
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return tuple(str(item).strip().casefold() for item in items if str(item).strip())
