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


# Our own code: brings the place this is drawn at to the top of the screen, once per `view`.
_INTO_VIEW = st.components.v2.component("closergym.into_view", isolate_styles=False, js="""
export default function ({ data, parentElement }) {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !data || !parentElement || main.dataset.closergymShown === data.view) return;
  main.dataset.closergymShown = data.view;
  if (data.narrowOnly && window.innerWidth > 700) return;
  // Again as what follows is drawn: until the page below is tall enough, the browser cannot scroll so far.
  for (const wait of [100, 400, 900, 1600]) setTimeout(() => parentElement.scrollIntoView({ block: "start" }), wait);
}
""")


def into_view(view: str, *, narrow_only: bool = False) -> None:
    """Bring what is drawn after this to the top of the screen when `view` is new to this browser (a fresh
    result below a form; with `narrow_only`, on a phone's screen only)."""
    _INTO_VIEW(data={"view": view, "narrowOnly": narrow_only}, key=f"closergym_into_view_{view}", height=0)


# Our own code: watches the page (drawn once, outside the conversation, so an answer costs it nothing) and brings
# each new answer of the rep's, with its grade, to the top of the screen. An answer counts as new once: a rerun
# that draws the same conversation again ("End this session", "Keep going") moves nothing. A conversation opened
# with answers in it (a reload, or back from another page) opens at the prospect's line waiting for an answer, with
# the answer box under it, as a chat does. The reader's own scroll ends it.
_FOLLOW_ANSWERS = st.components.v2.component("closergym.follow_answers", js="""
export default function ({ data }) {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return;
  const opened = !main.closergymFollow;
  const state = main.closergymFollow || (main.closergymFollow = { view: null, seen: new Set(), timers: [] });
  const answers = () => main.querySelectorAll('[data-testid="conversationMessage"][data-who="rep"]');
  const key = (all) => all.length + ":" + (all.length ? all[all.length - 1].textContent.slice(0, 400) : "");
  const stop = () => { state.timers.forEach(clearTimeout); state.timers = []; };
  const release = () => { stop(); state.newest = null; state.holdUntil = 0; };
  const bring = (newest) => {
    newest.style.scrollMarginTop = "4rem";  // clear of the app's header, which stays on top
    // again as what follows is drawn: until the page below is tall enough, the browser cannot scroll so far
    stop();
    state.newest = newest;
    state.timers = [100, 400, 900, 1600].map((wait) =>
      setTimeout(() => newest.isConnected && newest.scrollIntoView({ block: "start" }), wait));
  };
  if (state.view !== (data && data.view)) {  // another session (or a reload): what is on screen is not new
    state.view = data && data.view;
    state.seen = new Set([key(answers())]);
    const said = main.querySelectorAll('[data-testid="conversationMessage"]');
    if (opened && answers().length && !location.hash) bring(said[said.length - 1]);  // a link to a heading keeps its place
  }
  if (state.observer) return;
  // the reader takes over (a scroll of their own, a link to a heading): no more bringing the answer back
  const events = [[main, "wheel"], [main, "touchmove"], [main, "pointerdown"], [window, "keydown"],
                  [window, "hashchange"]];
  events.forEach(([target, name]) => target.addEventListener(name, release, { passive: true }));
  state.observer = new MutationObserver(() => {
    const all = answers();
    const now = key(all);
    if (state.seen.has(now)) return;
    state.seen.add(now);
    if (all.length) bring(all[all.length - 1]);
  });
  state.observer.observe(main, { childList: true, subtree: true });
  // The run that drew the answer may go on for seconds (an LLM saying its reply), and as it ends Streamlit takes a
  // chat to its bottom: bring the answer back once more then.
  const app = document.querySelector('[data-testid="stApp"]');
  state.runs = new MutationObserver(() => {
    if (app.getAttribute("data-test-script-state") !== "notRunning" || !state.newest) return;
    const newest = state.newest;
    if (newest.isConnected) {
      bring(newest);
      state.held = newest;
      state.holdUntil = performance.now() + 2000;  // and at once, should the page move away from it meanwhile
    }
    state.newest = null;
  });
  const hold = () => {
    const held = state.held;
    if (!held || !held.isConnected || performance.now() > state.holdUntil) return;
    const margin = parseFloat(getComputedStyle(held).scrollMarginTop) || 0;  // where `bring` puts it
    if (Math.abs(held.getBoundingClientRect().top - main.getBoundingClientRect().top - margin) > 8) {
      held.scrollIntoView({ block: "start" });
    }
  };
  main.addEventListener("scroll", hold, { passive: true });
  if (app) state.runs.observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  return () => {
    release();
    state.observer.disconnect();
    state.runs.disconnect();
    main.removeEventListener("scroll", hold);
    events.forEach(([target, name]) => target.removeEventListener(name, release));
    delete main.closergymFollow;
  };
}
""")


def follow_answers(view: str) -> None:
    """Bring each new answer (a message of the rep's), with its grade, to the top of the screen; `view`
    names the conversation on the page (a new one starts with nothing new to show)."""
    _FOLLOW_ANSWERS(data={"view": view}, key="closergym_follow_answers", height=0)
