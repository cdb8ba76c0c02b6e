"""Closer Gym: the frame around every page (page config, navigation, shared sidebar)."""

import streamlit as st

import runtime
from components import engine_badge, navigation, pages, roles, trainee

if st.query_params.get("present") == "1":  # presenter view: wide, large type, no personal data, no sidebar
    st.set_page_config(page_title="Closer Gym · class", page_icon="🥊", layout="wide",
                       initial_sidebar_state="collapsed")
    st.navigation([st.Page(pages.PRESENT, title="Class sparring", url_path="present", default=True)],
                  position="hidden").run()
    st.stop()

st.set_page_config(page_title="Closer Gym", page_icon="🥊")  # before the navigation: its icons are no favicon

pages = [
    st.Page(pages.HOME, title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page(pages.LESSONS, title="Lessons", icon=":material/menu_book:", url_path="lessons"),
    st.Page(pages.SPARRING, title="Sparring", icon=":material/sports_mma:", url_path="sparring"),
    st.Page(pages.GENERATOR, title="Objection generator", icon=":material/edit_note:", url_path="generator"),
    st.Page(pages.CALLS, title="Grade a call", icon=":material/call:", url_path="calls"),
    st.Page(pages.PROGRESS, title="Progress", icon=":material/trending_up:", url_path="progress"),
    st.Page(pages.TEAM, title="Your product", icon=":material/inventory_2:", url_path="team"),
    st.Page(pages.SETTINGS, title="Settings", icon=":material/settings:", url_path="settings"),
    st.Page(pages.INSTRUCTOR, title="Instructor", icon=":material/school:", url_path="instructor"),
    st.Page(pages.JOIN, title="Join a cohort", icon=":material/group_add:", url_path="join", visibility="hidden"),
]
page = st.navigation(pages, position="hidden")  # drawn below as links that keep the profile in the address
# The layout is set once a run, once the page is known: the Instructor page's dashboard and graded batch are
# wide. (A page's own call after the frame's "centered" was undone on the next rerun.)
st.set_page_config(layout="wide" if page.url_path == "instructor" else "centered")

runtime.open_storage_or_stop()
with runtime.storage_guard():  # a full disk or a vanished file: a message, not a traceback
    current = trainee.sync_from_url()
    roles.sync_from_url()  # an instructor's sign-in, kept in the address across reloads
    with st.sidebar:
        # The links carry the profile (and an instructor's sign-in): the built-in navigation dropped them from the
        # address, which then took them back in two more history entries, so Back seemed to do nothing.
        kept = {key: st.query_params[key] for key in ("trainee", "code", roles.URL_KEY) if key in st.query_params}
        navigation.links([p for p in pages if p.visibility != "hidden"], kept)
        trainee.sidebar_picker(current)
        engine_badge.render()
    trainee.notice(kept)
    page.run()
runtime.settle_heap(page.url_path)
