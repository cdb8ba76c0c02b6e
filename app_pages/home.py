import streamlit as st

import runtime
from closergym import store
from components import pages, practice, trainee
from components.text import literal

st.title(":material/sports_mma: Closer Gym")
st.write("Train objection handling and closing: read a short lesson, spar with a prospect who "
         "pushes back, and get every rebuttal graded **weak / strong / elite** against a rubric you can see.")

me = trainee.require()
counts = store.trainee_counts(runtime.db(), me["id"])

name = literal(me["name"])  # a name is user text: never Markdown, links or images
st.subheader(f"Welcome back, {name}" if counts["turns"] else f"Welcome, {name}")
left, middle, right = st.columns(3)
left.metric("Sparring sessions", counts["sessions"])
middle.metric("Rebuttals graded", counts["turns"])
right.metric("Lessons read", counts["lessons_read"])
practice.panel(me["id"])

st.page_link(pages.SPARRING, label="Spar with a prospect", icon=":material/sports_mma:")
st.page_link(pages.LESSONS, label="Read a lesson", icon=":material/menu_book:")
st.page_link(pages.GENERATOR, label="Generate a response to an objection", icon=":material/edit_note:")
