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
  let answeredAt = null, timers = [], shown = null, shownAt = 0;  // answeredAt: messages on the page then
  const bringUp = () => {
    if (!shown) return;
    shown.style.scrollMarginTop = "4rem";  // clear of Streamlit's sticky header
    shown.scrollIntoView({ block: "start" });
  };
  const stop = () => { timers.forEach(clearTimeout); timers = []; };
  const onKey = (event) => {
    if (event.key === "Enter" && !event.shiftKey && event.target.closest('[data-testid="stChatInput"]')) answeredAt = count();
  };
  const onClick = (event) => {
    if (event.target.closest('[data-testid="stChatInputSubmitButton"]')) answeredAt = count();
  };
  // The reader scrolls: leave the page where they put it.
  const onUserScroll = () => { stop(); shown = null; };
  // Streamlit keeps a chat scrolled to its end while the update lands, and the answer box, enabled again
  // when the reply is in, takes the focus and is scrolled into view: the answer is brought back each time,
  // for as long as a turn can take.
  const onFocus = (event) => {
    if (shown && Date.now() - shownAt < 35000 && event.target.closest('[data-testid="stChatInput"]')) {
      timers.push(setTimeout(bringUp, 0), setTimeout(bringUp, 150));
    }
  };
  const observer = new MutationObserver(() => {
    if (answeredAt !== null && count() >= answeredAt + 2) {  // the answer, graded, and the prospect's reply
      answeredAt = null;
      stop();
      const messages = main.querySelectorAll('[data-testid="stChatMessage"]');
      shown = messages[messages.length - 2];
      shownAt = Date.now();
      timers = [100, 300, 700, 1500].map((ms) => setTimeout(bringUp, ms));
    }
  });
  observer.observe(main, { childList: true, subtree: true });
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("click", onClick, true);
  document.addEventListener("focusin", onFocus, true);
  main.addEventListener("wheel", onUserScroll, { passive: true });
  main.addEventListener("touchmove", onUserScroll, { passive: true });
  return () => {
    observer.disconnect();
    stop();
    document.removeEventListener("keydown", onKey, true);
    document.removeEventListener("click", onClick, true);
    document.removeEventListener("focusin", onFocus, true);
    main.removeEventListener("wheel", onUserScroll);
    main.removeEventListener("touchmove", onUserScroll);
  };
}
""")


def top_on_change(view: str) -> None:
    """Scroll to the top when `view` differs from the one this browser showed last."""
    _TOP_ON_CHANGE(data={"view": view}, key="closergym_top_on_change", height=0)


def follow_answers() -> None:
    """After each answer sent from the chat box, bring the graded answer to the top of the screen."""
    _FOLLOW_ANSWERS(key="closergym_follow_answers", height=0)
