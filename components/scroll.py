"""Where the page stands after it changes. Streamlit keeps the scroll position when a page reruns, so a
lesson opened from the bottom of the list opened at its own bottom, and on a phone a new grade landed
above the screen, under the prospect's next line."""

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

# Drawn once, outside the conversation's fragment, so an answer costs no component update: it watches the
# page, and when an answer typed in the chat box has come back graded, brings that answer to the top.
_FOLLOW_ANSWERS = st.components.v2.component("closergym.follow_answers", js="""
export default function () {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return;
  const count = () => main.querySelectorAll('[data-testid="stChatMessage"]').length;
  let seen = count(), answered = false, timer = null, shown = null, shownAt = 0;
  const bringUp = (message) => {
    message.style.scrollMarginTop = "4rem";  // clear of Streamlit's sticky header
    message.scrollIntoView({ block: "start" });
  };
  const onKey = (event) => {
    if (event.key === "Enter" && !event.shiftKey && event.target.closest('[data-testid="stChatInput"]')) answered = true;
  };
  const onClick = (event) => { if (event.target.closest('[data-testid="stChatInputSubmitButton"]')) answered = true; };
  // The answer box is disabled while a reply streams in; enabled again, it takes the focus and the browser
  // scrolls down to it. Within a turn's time, the answer just graded goes back to the top.
  const onFocus = (event) => {
    if (shown && Date.now() - shownAt < 35000 && event.target.closest('[data-testid="stChatInput"]')) {
      setTimeout(() => bringUp(shown), 0);
      shown = null;
    }
  };
  const observer = new MutationObserver(() => {
    const now = count();
    if (answered && now >= seen + 2) {  // the answer, graded, and the prospect's reply
      answered = false;
      clearTimeout(timer);
      timer = setTimeout(() => {  // after Streamlit's own scrolling of this update
        const messages = main.querySelectorAll('[data-testid="stChatMessage"]');
        shown = messages[messages.length - 2];
        shownAt = Date.now();
        if (shown) bringUp(shown);
      }, 100);
    }
    seen = now;
  });
  observer.observe(main, { childList: true, subtree: true });
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("click", onClick, true);
  document.addEventListener("focusin", onFocus, true);
  return () => {
    observer.disconnect();
    clearTimeout(timer);
    document.removeEventListener("keydown", onKey, true);
    document.removeEventListener("click", onClick, true);
    document.removeEventListener("focusin", onFocus, true);
  };
}
""")


def top_on_change(view: str) -> None:
    """Scroll to the top when `view` differs from the one this browser showed last."""
    _TOP_ON_CHANGE(data={"view": view}, key="closergym_top_on_change", height=0)


def follow_answers() -> None:
    """After each answer sent from the chat box, bring the graded answer to the top of the screen."""
    _FOLLOW_ANSWERS(key="closergym_follow_answers", height=0)
