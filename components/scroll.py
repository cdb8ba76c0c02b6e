"""Where the page stands after it changes. Streamlit keeps the scroll position when a page reruns, so a
lesson opened from the bottom of the list opened at its own bottom."""

from __future__ import annotations

import streamlit as st

# Our own code and data, never user text: `view` is a label we build.
_TOP_ON_CHANGE = st.components.v2.component("closergym.top_on_change", js="""
export default function ({ data }) {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !data) return;
  const before = main.dataset.closergymView;
  main.dataset.closergymView = data.view;
  if (before === undefined || before === data.view) return;  // a reload keeps its place (and its #heading)
  setTimeout(() => main.scrollTo({ top: 0 }), 100);  // after Streamlit's own scrolling of this update
}
""")


def top_on_change(view: str) -> None:
    """Scroll to the top when `view` differs from the one this browser showed last."""
    _TOP_ON_CHANGE(data={"view": view}, key="closergym_top_on_change", height=0)
