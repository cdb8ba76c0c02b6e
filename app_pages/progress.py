import streamlit as st

from components import trainee

st.title("📈 Progress")
me = trainee.require()
st.write("Coming in the next release.")
