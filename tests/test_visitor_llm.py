"""A visitor's own LLM endpoint (Settings → "Connect your own LLM"): the operator's key goes only to the
operator's endpoint, the operator decides whether visitors may name endpoints at all, failures tell nothing
about the server's network, and grades made by a visitor's model stay out of cohort figures."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from closergym import cohorts, llm, store
from closergym.config import load_config
from closergym.llm import LLMError, session_settings
from tests.conftest import app_for
from tests.llm_server import LocalServer, free_port

OPERATOR_KEY = "sk-operator-SECRET-0123456789"
VISITOR_KEY = "sk-visitor-own-key-42"


class Listener(LocalServer):
    """An HTTP server that records every request's Authorization header and answers 405, as a stranger's
    listener (or any non-LLM service on the server's network) would."""

    def __init__(self):
        self.authorizations: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                listener.authorizations.append(self.headers.get("Authorization", ""))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def operator(monkeypatch):
    """A server whose operator configured an LLM with a key (an endpoint that is not the visitor's)."""
    monkeypatch.setenv("OPENAI_API_KEY", OPERATOR_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("CLOSERGYM_MODEL", "operator-model")


def test_by_default_a_visitor_cannot_name_an_endpoint(operator, listener):
    config = load_config()
    assert not config.allow_visitor_llm
    with pytest.raises(LLMError, match="does not let visitors"):
        session_settings(config, base_url=listener.url, model="m")
    at = app_for(None, "app_pages/settings.py")
    assert not [box for box in at.text_input if box.key == "settings_base_url_box"]  # no form to type into
    assert any("does not let visitors connect" in c.value for c in at.caption)
    # even with the values planted in the session, the operator's key is not sent anywhere else
    for key, value in (("settings_base_url", listener.url), ("settings_model", "m")):
        at.session_state[key] = value
    at.run()
    assert not [b for b in at.button if b.label == "Test connection"]  # nothing to test: the built-in engine answers
    assert listener.authorizations == []


def test_the_operators_key_never_goes_to_a_visitors_endpoint(operator, listener, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_ALLOW_VISITOR_LLM", "true")
    at = app_for(None, "app_pages/settings.py")
    at.text_input(key="settings_base_url_box").set_value(listener.url).run()
    at.text_input(key="settings_model_box").set_value("m").run()  # the key box left empty
    assert any("needs your own API key" in w.value for w in at.warning)
    assert not [b for b in at.button if b.label == "Test connection"]
    at.text_input(key="settings_api_key_box").set_value(VISITOR_KEY).run()
    monkeypatch.setattr(llm, "OWN_FAILURE_SECONDS", 0.2)
    next(b for b in at.button if b.label == "Test connection").click().run(timeout=20)
    assert at.error and llm.OWN_ENDPOINT_FAILED in at.error[0].value.replace("\\", "")
    assert listener.authorizations and set(listener.authorizations) == {f"Bearer {VISITOR_KEY}"}


def test_a_visitors_settings_never_mix_with_the_operators(operator, monkeypatch):
    monkeypatch.setenv("CLOSERGYM_ALLOW_VISITOR_LLM", "true")
    config = load_config()
    assert session_settings(config).api_key == OPERATOR_KEY  # nothing typed: the operator's LLM
    own = session_settings(config, api_key=VISITOR_KEY, model="gpt-x")  # no URL: OpenAI's, with the visitor's key
    assert (own.api_key, own.base_url, own.model, own.own) == (VISITOR_KEY, "", "gpt-x", True)
    with pytest.raises(LLMError, match="own API key"):
        session_settings(config, model="gpt-x")  # a model alone would ride on the operator's key
    for bad in ("file:///etc/passwd", "ftp://host/v1", "http://user:pw@host/v1", "not a url"):
        with pytest.raises(LLMError, match="http:// or https://"):
            session_settings(config, base_url=bad, api_key=VISITOR_KEY, model="m")


def test_the_operator_can_name_the_only_hosts_visitors_may_use(monkeypatch):
    monkeypatch.setenv("CLOSERGYM_ALLOW_VISITOR_LLM", "yes")
    monkeypatch.setenv("CLOSERGYM_VISITOR_LLM_HOSTS", "api.openai.com, LLM.example.org:8443")
    config = load_config()
    assert session_settings(config, api_key=VISITOR_KEY, model="m").host == "api.openai.com"
    assert session_settings(config, base_url="https://llm.example.org:8443/v1", api_key=VISITOR_KEY, model="m")
    for elsewhere in ("http://127.0.0.1:8501/v1", "https://llm.example.org/v1", "http://169.254.169.254/v1"):
        with pytest.raises(LLMError, match="only to the LLM hosts"):
            session_settings(config, base_url=elsewhere, api_key=VISITOR_KEY, model="m")


def test_a_visitors_failed_endpoint_reads_and_takes_the_same_whatever_is_behind_it(listener, monkeypatch):
    """A closed port, an open non-LLM port and a hung one: one message, and none answers sooner than the
    floor, so the box cannot map the server's network."""
    from tests.llm_server import SilentServer

    monkeypatch.setattr(llm, "OWN_FAILURE_SECONDS", 0.6)
    silent = SilentServer()
    try:
        outcomes = []
        for url in (f"http://127.0.0.1:{free_port()}/v1", listener.url, silent.url):
            client = llm.LLMClient(llm.LLMSettings(model="m", base_url=url, api_key=VISITOR_KEY, own=True),
                                   limiter=llm.RateLimiter(100))
            started = time.monotonic()
            with pytest.raises(LLMError) as failure:
                client.test_connection(deadline=1.0)
            outcomes.append((str(failure.value), time.monotonic() - started))
    finally:
        silent.close()
    assert {message for message, _ in outcomes} == {llm.OWN_ENDPOINT_FAILED}
    assert all(seconds >= 0.55 for _, seconds in outcomes), outcomes


def test_grades_by_a_visitors_model_stay_out_of_cohort_figures(db):
    cohort = cohorts.create_cohort(db, "Spring class")
    for name, engine, score in (("Ana", "builtin", 50), ("Ben", llm.OWN_LLM_ENGINE, 100), ("Ben", "builtin", 40)):
        trainee = store.get_trainee_by_name(db, name) or store.create_trainee(db, name)
        cohorts.join_cohort(db, trainee["id"], cohort["join_code"])
        store.save_turn(db, {"trainee_id": trainee["id"], "source": "sparring", "round": 1,
                             "objection_slug": "too-expensive", "prompt": "Too pricey", "rebuttal": "x",
                             "tier": "elite" if score == 100 else "weak", "score": score, "acknowledge": 2,
                             "clarify": 2, "respond": 2, "advance": 2, "grade": {}, "engine": engine})
    rows = {row["name"]: row for row in cohorts.members(db, cohort["id"], since="2000-01-01 00:00:00")}
    assert rows["Ben"]["turns"] == 1 and rows["Ben"]["average"] == 40
    assert [row["average"] for row in cohorts.leaderboard(list(rows.values()))] == [50, 40]
    assert cohorts.weakest_objections(db, cohort["id"], since="2000-01-01 00:00:00")[0]["attempts"] == 2
