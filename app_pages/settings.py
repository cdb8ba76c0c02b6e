import platform

import streamlit as st

import closergym
import runtime
from closergym import store
from components import engine_settings, roles, your_data, your_profile

st.title(":material/settings: Settings")
config = runtime.config()

st.subheader("Engine")
engine_settings.render()

operator = roles.is_instructor()  # where the files are and what runs them is the operator's business
st.subheader("Storage")
size = store.db_file_size(config.db_path)
st.write(f"Database: `{config.db_path if operator else config.db_path.name}`")
st.write(f"Size: **{size / 1024:,.0f} KB**" if size < 1024**2 else f"Size: **{size / 1024**2:,.1f} MB**")
st.caption("Whoever runs Closer Gym sets `CLOSERGYM_DB` to keep the database somewhere else "
           "(`python -m closergym info` shows where it is).")

your_profile.render(runtime.trainee())
your_data.render(config, runtime.trainee())

st.subheader("About")
versions = f" · Streamlit {st.__version__} · Python {platform.python_version()}" if operator else ""
st.write(f"Closer Gym {closergym.__version__}{versions}")
