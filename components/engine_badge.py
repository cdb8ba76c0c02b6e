"""The small line in the sidebar that says which engine answers."""

import streamlit as st

from closergym.config import Config


def engine_label(config: Config) -> str:
    return "Built-in (offline)"


def render(config: Config) -> None:
    st.caption(f"Engine: **{engine_label(config)}**")
