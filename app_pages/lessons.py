import streamlit as st

import runtime
from closergym import store, tracks
from closergym.content import SECOND_CALL
from components import lesson_view, pages, scroll, trainee
from components.icons import objection_icon
from components.text import literal

me = trainee.require()
db, lib = runtime.db(), runtime.library_for(me["id"])  # drills' better lines speak of the team's product
read = store.lessons_read(db, me["id"])
slug = st.query_params.get("lesson")
lesson = lib.lesson(slug)
scroll.top_on_change(f"lesson:{lesson.slug}" if lesson else "lessons")

for error in lib.errors:
    if error.file.startswith("lessons/"):
        st.warning(f"A lesson file could not be loaded: {literal(str(error))}", icon=":material/warning:")

if lesson is None:
    st.title(":material/menu_book: Lessons")
    if slug:
        st.info(f"There is no lesson called “{literal(slug)}”. Here is the full list.", icon=":material/search:")
    st.write("Short, practical reads. Each one has drills inside: type your answer and it is graded on the spot.")
    from closergym.pdf import playbook_pdf

    st.download_button("The Objection Sparring Playbook (PDF)", data=lambda: playbook_pdf(lib),
                       file_name="objection-sparring-playbook.pdf", mime="application/pdf",
                       icon=":material/menu_book:", on_click="ignore")
    by_cluster: dict[str, list] = {}
    for item in lib.lessons.values():
        by_cluster.setdefault(item.meta.cluster, []).append(item)
    for column, (cluster, items) in zip(st.columns(len(by_cluster)), by_cluster.items()):
        done = sum(item.slug in read for item in items)
        column.progress(done / len(items), text=f"{cluster} {done}/{len(items)}")
    chosen = st.pills("Cluster", list(by_cluster), key="lessons_cluster")
    query = st.text_input("Search", key="lessons_search", placeholder="e.g. price, partner, second call").strip().lower()
    shown = [item for item in lib.lessons.values()
             if (not chosen or item.meta.cluster == chosen)
             and (not query or query in f"{item.title} {item.meta.summary} {item.body_markdown}".lower())]
    if not shown:
        st.info("No lesson matches that search.", icon=":material/search:")
    for item in shown:
        lesson_view.card(item, read=item.slug in read)
    st.stop()

st.page_link(pages.LESSONS, label="All lessons", icon=":material/arrow_back:")
st.title(lesson.title)
st.caption(f"{lesson.meta.cluster} · {lesson.reading_minutes} min read" + (" · :material/check_circle: read" if lesson.slug in read else ""))
st.write(f"*{lesson.meta.summary}*")
with st.expander("Contents"):
    st.markdown("\n".join(f"- [{h}](#{lesson_view.anchor(h)})" for h in lesson.headings))

lesson_view.body(lesson, me["id"], lib)

if lesson.meta.faq:
    st.header("FAQ")
    for entry in lesson.meta.faq:
        with st.expander(entry.q):
            st.markdown(entry.a)

st.header("Drill this in sparring")
for drill in lesson.meta.drills:
    if drill == SECOND_CALL:
        st.page_link(pages.SPARRING, label="Run the whole second call: the six steps and a stall",
                     icon=":material/call:", query_params={"objection": drill})
        continue
    if scenario := tracks.scenario(drill):  # a closing or psychology scenario: its track on the Sparring page
        st.page_link(pages.SPARRING, label=f"{tracks.TRACKS[scenario.track]} sparring: {scenario.title}",
                     icon=tracks.TRACK_ICONS[scenario.track], query_params={"scenario": drill})
        continue
    objection = lib.objections[drill]
    st.page_link(pages.SPARRING, label=f"Drill this in sparring: {objection.short}",  # whole on a phone
                 icon=objection_icon(objection), query_params={"objection": drill})

if lesson.meta.related:
    st.header("Related reads")
    for other in lesson.meta.related:
        if other in lib.lessons:
            st.page_link(pages.LESSONS, label=lib.lessons[other].title, icon=":material/menu_book:",
                         query_params={"lesson": other})


@runtime.storage_guard()  # callbacks run before app.py's guard
def toggle_read(read: bool) -> None:
    # callbacks run in the next script run's thread: they open their own connection
    if trainee.holds(me["id"]):
        store.mark_lesson_read(runtime.db(), me["id"], lesson.slug, read=read)


done, pdf = st.columns(2)
is_read = lesson.slug in read
done.button("Mark as unread" if is_read else "Mark as read", icon=":material/undo:" if is_read else ":material/check_circle:", width="stretch",
            type="secondary" if is_read else "primary", on_click=toggle_read, args=(not is_read,))
from closergym.pdf import lesson_pdf  # noqa: E402

pdf.download_button("Save as PDF", data=lambda: lesson_pdf(lesson, lib), file_name=f"{lesson.slug}.pdf",
                    mime="application/pdf", icon=":material/picture_as_pdf:", width="stretch", on_click="ignore")
