import streamlit as st

import runtime
from closergym import store
from closergym.generator import (
    CHANNELS,
    CONTEXT_FIELDS,
    STAGES,
    GeneratorError,
    generate,
    generate_with_llm,
    to_markdown,
)
from components import generator_view, scroll, trainee
from components.icons import objection_icon
from components.text import literal

st.title(":material/edit_note: Objection response generator")
st.write("Paste an objection you heard and a little context. You get what is probably going on, a response "
         "built on the 4-step framework, and weak / strong / elite variants, each graded by the same rubric "
         "as your sparring answers.")
me = trainee.require()
lib = runtime.library_for(me["id"])  # shipped + the team's own, with its product


@runtime.fragment
def tool() -> None:
    trainee.recheck(me["id"])
    with st.form("generator_form"):
        # No max_chars on these fields: the browser drops a paste past it without a word; generate() checks.
        objection = st.text_area("The objection", height=90, key="generator_objection",
                                 placeholder="e.g. We gotta think it over and get back to you.")
        with st.expander("Context (optional)"):
            left, right = st.columns(2)  # one row of columns per pair: Tab goes along a row, then down
            product = left.text_input(CONTEXT_FIELDS["product"], key="generator_product")
            price = right.text_input(CONTEXT_FIELDS["price"], key="generator_price",
                                     placeholder="e.g. $1,200 a year")
            left, right = st.columns(2)
            stage = left.selectbox(CONTEXT_FIELDS["stage"], STAGES, index=None, key="generator_stage")
            channel = right.selectbox(CONTEXT_FIELDS["channel"], CHANNELS, index=None, key="generator_channel")
            role = st.text_input(CONTEXT_FIELDS["role"], key="generator_role",
                                 placeholder="e.g. Operations director")
        submitted = st.form_submit_button("Generate a response", type="primary", icon=":material/auto_awesome:")
    if submitted:
        values = {"product": product, "price": price, "stage": stage or "", "channel": channel or "", "role": role}
        llm, notices = runtime.llm_client(), ()
        try:
            if llm:
                with st.spinner(f"Asking {literal(llm.settings.label)}…"):
                    result, notices = generate_with_llm(llm, objection, values, lib=lib, who=me["id"])
            else:
                result = generate(objection, values, lib=lib)
        except GeneratorError as error:
            st.warning(str(error), icon=":material/front_hand:")
            return
        if not result.recognised:
            st.info("That doesn't read like an objection a prospect would say, so there is nothing to answer yet. "
                    "Closest objections in our library:", icon=":material/help:")
            for slug in result.closest:
                st.markdown(f"- {objection_icon(lib.objections[slug])} {literal(lib.objections[slug].title)}")
            return
        run_id = store.save_generator_run(runtime.db(), {
            "trainee_id": me["id"], "objection": result.objection, "context": result.context,
            "matched_slug": result.matched, "confidence": result.confidence, "result": result.to_dict(),
            "engine": result.engine})
        for notice in notices:  # the LLM failed and the built-in engine answered: say so before the result
            st.warning(notice, icon=":material/warning:")
        scroll.into_view(f"run{run_id}")  # the result is below the form: bring it up
        generator_view.result(result, lib, key=f"run{run_id}")
        st.download_button("Download as Markdown", data=to_markdown(result), file_name="objection-response.md",
                           mime="text/markdown", icon=":material/download:", on_click="ignore")


tool()

history = store.generator_runs(runtime.db(), me["id"], limit=10)
if history:
    with st.expander(f"Your recent objections ({len(history)})"):
        for run in history:
            match = lib.objections.get(run["matched_slug"] or "")
            st.markdown(f"- {literal(run['objection'])}  \n  :gray[{run['created_at'][:16]} · "
                        f"{literal(match.short) if match else 'new objection'}]")
