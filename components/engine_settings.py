"""The Engine section of Settings: which engine answers, an optional key for this browser session,
a connection test, and a switch to turn the LLM off (and on again)."""

from __future__ import annotations

import streamlit as st

import runtime
from closergym.llm import LLMError
from components import engine_badge
from components.text import literal


def render() -> None:
    settings, refused = runtime.llm_choice()
    offered = runtime.llm_offered()[0]
    st.write(f"Active engine: **{engine_badge.engine_label()}**")
    st.caption("The built-in engine is a scripted prospect and a deterministic rubric grader. It works offline "
               "and needs no key. With an LLM, the prospect and the judge are played by the model, and the "
               "built-in engine guards every grade and answers whenever the model fails.")
    if offered:  # an LLM to switch off (and back on): none, and there is nothing to choose
        st.toggle(f"Use {'your' if offered.own else 'the'} LLM ({literal(f'{offered.model} at {offered.host}')})",
                  key="settings_use_llm",
                  value=st.session_state.get(runtime.ENGINE_KEY) != "builtin", on_change=_switch,
                  help="Off: the built-in engine answers, in this browser session only. Nothing is saved.")
    with st.expander("Connect your own LLM for this browser session", expanded=refused is not None):
        if runtime.config().allow_visitor_llm:
            own_endpoint_form()
        else:
            st.caption("This server does not let visitors connect their own LLM. Whoever runs it can allow it "
                       "with CLOSERGYM_ALLOW_VISITOR_LLM, or give everyone an LLM with OPENAI_API_KEY, "
                       "OPENAI_BASE_URL and CLOSERGYM_MODEL (see the README).")
        if refused:
            st.warning(f"{refused} The built-in engine answers until then.", icon=":material/warning:")
    if settings is None:
        return  # no LLM for this session: nothing to test
    if st.button("Test connection", icon=":material/power:", help="Sends one tiny request to the model."):
        client = runtime.llm_client()
        if client is None:
            st.info("No LLM is configured, so the built-in engine answers.", icon=":material/info:")
        else:
            with st.spinner(f"Asking {literal(client.settings.host)}…"):
                try:
                    reply = client.test_connection(who=runtime.caller())
                    st.success(f"Connected: {literal(client.settings.label)} answered “{literal(reply)}”.", icon=":material/check_circle:")
                except LLMError as error:
                    st.error(f"Could not use the LLM: {literal(str(error))}", icon=":material/warning:")


def own_endpoint_form() -> None:
    st.caption("Any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp, LM Studio. Your own endpoint "
               "takes your own key and model (the server's key is never sent to it). What you type stays in "
               "this browser session: it is never written to the database, logs or exports, and grades made by "
               "your model are your private practice, left out of cohort figures and the leaderboard.")
    for key, label, kind, placeholder in (
            ("settings_api_key", "API key", "password", "sk-… (a local server takes any text)"),
            ("settings_base_url", "Base URL", "default", "https://api.openai.com/v1 or http://127.0.0.1:11434/v1"),
            ("settings_model", "Model", "default", "e.g. gpt-4o-mini or llama3.1:8b")):
        # The value lives under `key`; the box has its own key, which Streamlit forgets when the page
        # is left, so it is filled again from the kept value. Never the key: a filled box would send
        # it back to the browser, where the eye icon shows it.
        box = f"{key}_box"
        secret = kind == "password"
        if box not in st.session_state:
            st.session_state[box] = "" if secret else st.session_state.get(key, "")
        if secret and st.session_state.get(key):
            placeholder = "A key is set for this session (hidden). Type a new one to replace it."
        st.text_input(label, type=kind, key=box, placeholder=placeholder, on_change=_keep, args=(key,))
        if secret and st.session_state.get(key):
            st.button("Forget the key", icon=":material/cleaning_services:", type="tertiary", on_click=_forget_key)
    if any(st.session_state.get(key) for key in runtime.SESSION_LLM_KEYS.values()):
        st.button("Use the server's engine again", type="tertiary", on_click=_forget_endpoint,
                  help="Forgets the URL, key and model typed here.")


def _keep(key: str) -> None:
    typed = st.session_state[f"{key}_box"]
    if key == "settings_api_key":
        if not typed:
            return  # an empty key box means "keep the key I set"; "Forget the key" removes it
        st.session_state[f"{key}_box"] = ""  # kept out of the box, and so out of the page
    st.session_state[key] = typed


def _forget_key() -> None:
    st.session_state["settings_api_key"] = ""


def _forget_endpoint() -> None:
    for key in runtime.SESSION_LLM_KEYS.values():
        st.session_state[key] = ""
        st.session_state[f"{key}_box"] = ""


def _switch() -> None:
    st.session_state[runtime.ENGINE_KEY] = "auto" if st.session_state["settings_use_llm"] else "builtin"
