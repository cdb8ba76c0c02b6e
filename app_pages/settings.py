import platform

import streamlit as st

import closergym
from closergym import store
from components import context, engine_settings, your_data, your_profile

st.title("⚙️ Settings")
config = context.config()

st.subheader("Engine")
engine_settings.render()

st.subheader("Storage")
size = store.db_file_size(config.db_path)
st.write(f"Database: `{config.db_path}`")
st.write(f"Size: **{size / 1024:,.0f} KB**" if size < 1024**2 else f"Size: **{size / 1024**2:,.1f} MB**")
st.caption("Set `CLOSERGYM_DB` to keep the database somewhere else.")

your_profile.render(context.trainee())
your_data.render(config, context.trainee())

st.subheader("About")
st.write(f"Closer Gym {closergym.__version__} · Streamlit {st.__version__} · Python {platform.python_version()}")
