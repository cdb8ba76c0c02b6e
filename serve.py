"""Serve Closer Gym with its turn endpoint: `streamlit run serve.py` (what ./scripts/run does).

`app.py` is the app. This file only serves it, with `closergym.web`'s routes beside Streamlit's own, so
a sparring answer is taken in one small request instead of a rerun of the page. `streamlit run app.py`
works too: answers then travel through Streamlit, a little slower.
"""

import streamlit as st

from closergym import web

app = st.App("app.py", routes=web.routes(st.get_option("server.baseUrlPath")))
