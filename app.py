"""Closer Gym: the frame around every page (page config, navigation, shared sidebar)."""

import streamlit as st

from components import context, engine_badge, trainee

if st.query_params.get("present") == "1":  # presenter view: wide, large type, no personal data, no sidebar
    st.set_page_config(page_title="Closer Gym · class", page_icon="🥊", layout="wide",
                       initial_sidebar_state="collapsed")
    st.navigation([st.Page("app_pages/present.py", title="Class sparring", url_path="present", default=True)],
                  position="hidden").run()
    st.stop()

st.set_page_config(page_title="Closer Gym", page_icon="🥊", layout="centered")

pages = [
    st.Page("app_pages/home.py", title="Home", icon="🏠", url_path="home", default=True),
    st.Page("app_pages/lessons.py", title="Lessons", icon="📚", url_path="lessons"),
    st.Page("app_pages/sparring.py", title="Sparring", icon="🥊", url_path="sparring"),
    st.Page("app_pages/generator.py", title="Objection generator", icon="✍️", url_path="generator"),
    st.Page("app_pages/progress.py", title="Progress", icon="📈", url_path="progress"),
    st.Page("app_pages/settings.py", title="Settings", icon="⚙️", url_path="settings"),
    st.Page("app_pages/instructor.py", title="Instructor", icon="🎓", url_path="instructor"),
]
page = st.navigation(pages)

context.open_storage_or_stop()
with context.storage_guard():  # a full disk or a vanished file: a message, not a traceback
    current = trainee.sync_from_url()
    with st.sidebar:
        trainee.sidebar_picker(current)
        engine_badge.render()
    trainee.notice()
    page.run()
