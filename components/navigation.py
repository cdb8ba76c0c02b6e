"""The sidebar's page links. Streamlit's own navigation opened a page without the address's profile
(`?trainee=&code=`), which the app then wrote back in two more history entries: Back seemed to do nothing."""

from __future__ import annotations

import streamlit as st

# Our own code: on a phone, a link followed closes the sidebar, as Streamlit's own navigation does.
_CLOSE_ON_PHONE = st.components.v2.component("closergym.close_sidebar_on_phone", js="""
export default function () {
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  if (!sidebar || sidebar.closergymCloses) return;
  sidebar.closergymCloses = true;
  sidebar.addEventListener('click', (event) => {
    if (window.innerWidth > 768 || !event.target.closest('a[data-testid="stPageLink-NavLink"]')) return;
    const close = sidebar.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (close) setTimeout(() => close.click(), 0);
  });
}
""")


def links(pages: list, query_params: dict[str, str]) -> None:
    """One link per page, each keeping `query_params` in the address it opens."""
    for page in pages:
        st.page_link(page, label=page.title, icon=page.icon, query_params=query_params, width="stretch")
    _CLOSE_ON_PHONE(key="closergym_close_sidebar_on_phone", height=0)
    st.divider()
