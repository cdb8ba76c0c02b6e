import streamlit as st

from components import trainee

st.title("✍️ Objection generator")
me = trainee.require()
st.write("Coming in the next release.")
