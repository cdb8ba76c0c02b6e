"""The small line in the sidebar that says which engine answers."""

import streamlit as st

import runtime
from components.text import literal


def engine_label() -> str:
    settings = runtime.llm_settings()
    if settings:
        runtime.client_for(settings)  # import the SDK now (once), not inside the first turn's deadline
    return literal(settings.label) if settings else "Built-in (offline)"  # a visitor may have typed the model


def render() -> None:
    st.caption(f"Engine: **{engine_label()}**")
