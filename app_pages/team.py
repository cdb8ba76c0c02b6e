import streamlit as st

import runtime
from closergym import cohorts, team
from closergym.content import library
from closergym.sessions import TurnError
from components import authoring, pages, roles, trainee
from components.icons import objection_icon
from components.text import literal

DRAFT_KEY = "team_draft"  # the previewed objection, waiting for "Save"
NOTICE_KEY = "team_notice"  # what the last save did, shown once after the rerun
EXAMPLE = "need-to-think"  # the shipped objection the form can start from

st.title(":material/inventory_2: Your product and objections")
cfg, db = runtime.config(), runtime.db()
if cfg.bootcamp:  # the instructors write for every cohort; trainees train on it
    can_author, me = roles.is_instructor(), None
    if not can_author:
        me = trainee.require()
else:  # solo: the one user writes their own
    can_author, me = True, trainee.require()
owner = team.owner_for(me["id"] if me else None, bootcamp=cfg.bootcamp)
if cfg.bootcamp and can_author:  # for every cohort, or for one
    names = {team.TEAM: "Every cohort", **{team.cohort_owner(c["id"]): c["name"] for c in cohorts.list_cohorts(db)}}
    owner = st.selectbox("Whose product and objections", list(names), format_func=names.get, key="team_owner")
product, mine = team.get_product(db, owner), team.authored(db, owner)

if not can_author:
    st.write("Your instructors describe the product you sell and write objections for your class; they join "
             "the library for sparring, drills and spaced repetition.")
    owners = team.owners_for(db, me["id"], bootcamp=True)
    product = team.library_for(db, me["id"], bootcamp=True).product
    if product:
        st.markdown(f"**{literal(product.name)}**: {literal(product.what)}")
    mine = {o.slug: o for who in owners for o in team.authored(db, who)}.values()
    for objection in mine:
        st.page_link(pages.SPARRING, label=f"Spar it: {literal(objection.title)}", icon=":material/sports_mma:",
                     query_params={"objection": objection.slug})
    if not product and not mine:
        st.info("Nothing here yet.", icon=":material/info:")
    st.stop()

st.write("Describe what you sell once: the prospect, the better lines and the generator then speak of your product "
         "and make only the claims you give here. Then write the objections your buyers really raise: they join "
         "the library for sparring, drills and spaced repetition" + (" for the cohorts you pick above." if cfg.bootcamp else "."))
notice_slot = st.container()  # always drawn: the tabs below keep their place, and so the tab a save came from
if notice := st.session_state.pop(NOTICE_KEY, None):
    notice_slot.success(notice, icon=":material/check_circle:")
product_tab, objections_tab = st.tabs(["Your product", "Your objections"])

with product_tab:
    if st.session_state.get("team_p_owner") != owner:  # first shown, or another cohort picked: its facts
        authoring.fill_form("team_p_", team.product_fields(product))
        st.session_state["team_p_owner"] = owner
    if (typed := authoring.product_form()) is not None:
        try:
            product = team.product_from_form(typed)
            team.save_product(db, owner, product)
            st.success(f"Saved. Sparring and the generator now use the facts of {literal(product.name)}.",
                       icon=":material/check_circle:")
        except team.AuthoringError as error:
            authoring.refused("Not saved", str(error))
    if product:
        st.caption("What the better lines now claim, and nothing else (a placeholder in brackets is a fact you did "
                   "not give: the rep fills it in):")
        for family, label in (("money", "To a price objection"), ("competition", "To a competitor")):
            st.markdown(f"**{label}:** {literal(team.claim_line(product, family))}")

with objections_tab:
    for objection in mine:
        with st.expander(f"{literal(objection.title)}  ·  {objection.slug}", icon=objection_icon(objection)):
            st.page_link(pages.SPARRING, label="Spar it", icon=":material/sports_mma:",
                         query_params={"objection": objection.slug})
            edit, download, drop = st.columns(3)
            edit.button("Edit in the form", key=f"team_edit_{objection.slug}", icon=":material/edit:",
                        on_click=authoring.fill_form, args=("team_f_", team.form_fields(objection)))
            download.download_button("Download YAML", team.to_yaml(objection), file_name=f"{objection.slug}.yaml",
                                     mime="application/yaml", key=f"team_yaml_{objection.slug}",
                                     icon=":material/download:", on_click="ignore")
            with drop.popover("Delete", icon=":material/delete:"):  # asks once more
                st.caption("Sessions and progress made with it stay in each trainee's history.")
                if st.button("Yes, delete it", key=f"team_delete_{objection.slug}", type="primary"):
                    team.delete_objection(db, owner, objection.slug)
                    st.session_state[NOTICE_KEY] = f"Deleted “{literal(objection.title)}”."
                    st.rerun()

    upload = st.file_uploader(f"Upload an objection file (YAML, as downloaded, up to {team.MAX_UPLOAD // 1024} KB)",
                              type=["yaml", "yml"], key="team_upload", max_upload_size=1,
                              help="The upload box itself stops anything over 1 MB; a file between the two gets a "
                                   "message saying so. A downloaded objection is a few KB.")
    if upload is not None and st.session_state.get("team_uploaded") != upload.file_id:
        try:
            uploaded = team.from_yaml(upload.getvalue())
            team.save_objection(db, owner, uploaded)
            st.session_state["team_uploaded"] = upload.file_id
            st.session_state[NOTICE_KEY] = f"Saved “{literal(uploaded.title)}” from {literal(upload.name)}."
            st.rerun()
        except team.AuthoringError as error:
            st.error(f"{literal(upload.name)} was not saved, nothing changed.  \n{literal(str(error))}",
                     icon=":material/error:")

    st.subheader("Write an objection")
    st.button("Start from an example", icon=":material/content_copy:", on_click=authoring.fill_form,
              args=("team_f_", {**team.form_fields(library().objections[EXAMPLE]), "slug": "", "title": ""}))
    if (sent := authoring.objection_form()) is not None:
        fields, sample = sent
        st.session_state.pop(DRAFT_KEY, None)
        try:
            draft = team.parse_form(fields)
            shown = team.preview(draft, sample or draft.rebuttal("strong").text, product=product)
            st.session_state[DRAFT_KEY] = draft.model_dump()
            authoring.preview(shown)
        except (team.AuthoringError, TurnError) as error:
            authoring.refused("Not ready to save", str(error))
    if draft_data := st.session_state.get(DRAFT_KEY):
        taken = draft_data["slug"] in {o.slug for o in mine}
        if st.button(("Replace" if taken else "Save") + f" “{literal(draft_data['title'])}” in your library", type="primary",
                     icon=":material/save:", key="team_save"):
            team.save_objection(db, owner, team.parse_objection(draft_data))
            st.session_state.pop(DRAFT_KEY)
            st.session_state[NOTICE_KEY] = f"Saved “{literal(draft_data['title'])}”: it is in the Sparring picker now."
            st.rerun()
