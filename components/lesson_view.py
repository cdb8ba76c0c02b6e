"""Lesson rendering: cards for the list, and the reading view with drill cells graded in place."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from contextlib import nullcontext
from typing import NamedTuple

import streamlit as st

import runtime
from closergym import sessions
from closergym.content import DrillCell, Lesson, Library
from closergym.grading import Grade
from closergym.llm import Deadline, LLMClient
from closergym.prospect import LLMProspect, Scene
from components import pages, scorecard, trainee
from components.live import stream_reply
from components.text import literal


def anchor(heading: str) -> str:
    """The id Streamlit gives a Markdown heading (its frontend slugifies the text), so a table of contents
    can link to it: "&" reads "and", "don't" and "it's" lose the apostrophe but "I'm" becomes "i-m",
    "iPhone" is "i-phone", accents are dropped."""
    text = heading.replace("’", "'").replace("&", " and ")
    text = re.sub(r"([A-Za-z\d]+)'([ts])(?=\s|$)", r"\1\2", text)
    text = re.sub(r"([a-z\d])([A-Z])", r"\1 \2", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def card(lesson: Lesson, *, read: bool) -> None:
    with st.container(border=True):
        st.page_link(pages.LESSONS, label=f"**{lesson.title}**", query_params={"lesson": lesson.slug})
        status = " · :material/check_circle: read" if read else ""
        st.caption(f"{lesson.meta.cluster} · {lesson.reading_minutes} min read{status}")
        st.write(lesson.meta.summary)


def drill_prompt(cell: DrillCell, lib: Library) -> str:
    return cell.prompt or lib.objections[cell.objection].lines[0]


@runtime.fragment
def drill_cell(lesson: Lesson, number: int, cell: DrillCell, trainee_id: int, lib: Library) -> None:
    """An inline answer box, graded on the spot; a fragment, so answering reruns only this cell."""
    trainee.recheck(trainee_id)
    objection = lib.objections[cell.objection]
    persona = objection.personas[min(cell.persona, len(objection.personas) - 1)]
    prompt = drill_prompt(cell, lib)
    key = f"drill_{lesson.slug}_{number}"
    with st.container(border=True):
        st.caption(f":material/sports_mma: Drill {number} · {objection.short} · {literal(persona.name)}, {literal(persona.role)}")
        with st.chat_message("assistant", avatar=":material/person:"):
            st.markdown(literal(prompt))
        with st.form(key, border=False):
            answer = st.text_area("Your answer", key=f"{key}_answer", height=110,  # the length is checked on grading
                                  placeholder="Type what you'd say, then grade it.")
            submitted = st.form_submit_button("Grade my answer", icon=":material/target:", type="primary")
        fresh = None
        if submitted and answer.strip() and answer.strip() == st.session_state.get(f"{key}_graded"):
            # a second press while the reply streams in (or after): the same answer is not saved twice
            st.caption("That answer is graded below: change it to grade it again.")
        elif submitted:
            try:
                llm = runtime.llm_client()
                deadline = Deadline()  # one budget for the judge and the prospect's reply
                with st.spinner(f"The AI judge is reading your answer ({literal(llm.settings.label)})…") if llm else nullcontext():
                    turn_id, grade, notices = sessions.grade_drill(
                        runtime.db(), trainee_id=trainee_id, objection_slug=objection.slug, prompt=prompt,
                        rebuttal=answer, source=f"lesson:{lesson.slug}", lib=lib, llm=llm, deadline=deadline)
                st.session_state[f"{key}_turn"] = turn_id
                st.session_state[f"{key}_graded"] = answer.strip()
                fresh = Fresh(notices, llm, deadline)
            except sessions.TurnError as error:
                st.warning(str(error), icon=":material/front_hand:")
        turn_id = st.session_state.get(f"{key}_turn")
        turn = next(runtime.db().query("SELECT id, grade, rebuttal, reply FROM turns WHERE id = ? AND trainee_id = ?",
                                       [turn_id, trainee_id]), None) if turn_id else None
        if turn:
            grade = Grade.from_dict(json.loads(turn["grade"]))
            scorecard.render(grade, rebuttal=turn["rebuttal"])
            follow_up(objection, prompt, turn, grade, fresh, number, trainee_id)
        st.page_link(pages.SPARRING, label="Spar this objection for three rounds", icon=":material/sports_mma:",
                     query_params={"objection": objection.slug, "persona": str(cell.persona)})  # the same prospect


class Fresh(NamedTuple):
    """What only the run that graded a drill answer knows: its notices, and the LLM with its time left."""
    notices: tuple[str, ...]
    llm: LLMClient | None
    deadline: Deadline


def follow_up(objection, prompt: str, turn: dict, grade: Grade, fresh: Fresh | None, number: int,
              trainee_id: int) -> None:
    """How the prospect would react to that answer: the built-in line, or the LLM's, streamed. The line
    shown is kept with the turn, so coming back to the lesson shows the same one."""
    rng = random.Random(f"{objection.slug}-{number}-{grade.tier}")
    answer = turn["rebuttal"]
    beat, scripted = sessions.advance(None, grade, kind="drill", rebuttal=answer, objection=objection, rng=rng)
    with st.chat_message("assistant", avatar=":material/person:"):
        if fresh and fresh.llm:
            scene = Scene(objection, prompt, history=(("prospect", prompt), ("rep", answer)))
            shown, _ = stream_reply(LLMProspect(fresh.llm).stream(scene, beat, rng, deadline=fresh.deadline.remaining()),
                                    scripted)
            sessions.keep_drill_reply(runtime.db(), trainee_id=trainee_id, turn_id=turn["id"], reply=shown)
        else:
            st.markdown(literal(turn["reply"] or scripted))
    for notice in fresh.notices if fresh else ():
        st.caption(f":material/warning: {notice}")


def body(lesson: Lesson, trainee_id: int, lib: Library) -> None:
    number = 0
    for block in lesson.blocks:
        if block.kind == "markdown":
            st.markdown(block.text)  # our own content; HTML in it is escaped by st.markdown
        elif block.drill:
            number += 1
            drill_cell(lesson, number, block.drill, trainee_id, lib)
