"""Sparring sessions end to end: start one, take a turn (grade, save, reply), build the report.

A rebuttal's trip: validate the text -> `grading` grades it -> `sparring` moves the routine on ->
the prospect engine phrases its reply -> `store.save_turn` writes the graded turn and the session's
new state in one transaction. Only then does the page show the reply, so every turn shown as graded
is on disk, and reloading the page resumes exactly where the session was.
"""

from __future__ import annotations

import json
import random
import time
import unicodedata
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from closergym import closing, store, tracks
from closergym.content import MOVES, Library, Objection, library
from closergym.families import objection_for
from closergym.grading import (
    HARD_STOPS,
    MAX_REBUTTAL,
    RESPECTFUL,
    Grade,
    clean_text,
    grade_rebuttal,
    objection_topic,
    reads_as_english,
)
from closergym.judge import judge
from closergym.llm import JUDGE_SHARE, Deadline, LLMClient, LLMError
from closergym.offers import offers_in, session_slot, with_time
from closergym.prospect import Prospect, Scene, ScriptedProspect, agree_to, one_hedge
from closergym.second_call import BETTER as SECOND_CALL_BETTER  # noqa: F401 - the opening's and the close's line
from closergym.second_call import grade_second_call, step_marks
from closergym.sparring import (
    DIFFICULTIES,
    ROUNDS,
    SECOND_CALL_PROMPTS,
    SECOND_CALL_STEPS,
    Beat,
    RoutineState,
    fresh,
    next_beat,
    opening_line,
    proposed_time,
    second_call_stall,
    start_state,
)

MAX_CUSTOM_OBJECTION = 300
TRACK_KINDS = ("closing", "psychology")  # a session of a closing or psychology scenario (`tracks`); "second_call"
# is the closing track's first scenario, kept under its own kind
class TurnError(ValueError):
    """The answer cannot be taken as it is; the message says why. Nothing was saved."""


class StartError(ValueError):
    """The drill cannot be started as asked; the message says why. Nothing was saved."""


def visible(text: str) -> bool:
    """Whether `text` shows anything: not only spaces, line breaks or invisible characters (joiners)."""
    return any(unicodedata.category(ch)[0] in "LNPS" for ch in text)


MAX_READ = 10 * MAX_REBUTTAL  # an answer longer than this is refused before any work is done on it


def _too_long(length: int) -> str:
    return f"That answer is {length:,} characters; keep it under {MAX_REBUTTAL:,}. On a real call, shorter lands better."


def refuse_unread(text: str) -> None:
    """A paste far past the limit is refused (`TurnError`) before anything reads it."""
    if len(text or "") > MAX_READ:
        raise TurnError(_too_long(len(text)))


def check_rebuttal(text: str) -> str:
    refuse_unread(text)
    text = clean_text(text or "").strip()
    if not visible(text):  # nothing visible: spaces, joiners
        raise TurnError("Type your answer first: an empty reply can't be graded.")
    if len(text) > MAX_REBUTTAL:
        raise TurnError(_too_long(len(text)))
    if not any(ch.isalnum() for ch in text):  # "😀🔥", "?!": nothing a prospect would hear as an answer
        raise TurnError("Say it in words: emoji, symbols or punctuation alone can't be graded. Nothing was saved.")
    if not reads_as_english(text):
        raise TurnError("This grader reads English, and this answer seems to be in another language: say it in English "
                        "to have it graded. Nothing was saved.")
    return text


def check_custom_objection(text: str) -> str:
    """A trainee's own objection, cleaned and cut to its limit; `StartError` when it shows nothing."""
    text = clean_text(text or "").strip()
    if not visible(text):
        raise StartError("That objection is empty (only spaces or invisible characters), so there is nothing for "
                         "the prospect to say. Type the objection you want to practise, or pick one below.")
    return text[:MAX_CUSTOM_OBJECTION].strip()


def start_session(db: Database, *, trainee_id: int, objection_slug: str | None = None,
                  custom_objection: str | None = None, second_call: bool = False, difficulty: str = "normal",
                  persona: int | None = None, seed: int | None = None, lib: Library | None = None,
                  scenario: str | None = None, prospect: dict[str, str] | None = None) -> dict:
    """Create a session (abandoning any unfinished one) and put the prospect's opening line in it.
    Without `persona`, the seed picks one of the objection's prospects. `scenario`: a closing or psychology
    scenario's key (`tracks`), such as "closing:pre-frame"; the second call's key starts the second call.
    `prospect`: for a custom objection, the rep's context (`role`, `product`) the prospect is built in."""
    lib = lib or library()
    if difficulty not in DIFFICULTIES:
        raise StartError(f"Unknown difficulty {difficulty!r}")
    if scenario is not None:
        found = tracks.scenario(scenario)
        if found is None:
            raise StartError(f"There is no scenario called {scenario!r}.")
        if found.engine == "second_call":
            second_call = True
        else:
            return _start_scenario(db, trainee_id=trainee_id, scenario=found, difficulty=difficulty, seed=seed)
    seed = random.randrange(1, 2**31) if seed is None else seed
    rng = random.Random(seed)
    state = start_state(difficulty)
    objection = lib.objection(objection_slug)
    custom = check_custom_objection(custom_objection) if custom_objection else None
    if second_call:
        kind, objection_slug = "second_call", None
        stall_slug, _ = second_call_stall(seed)
        state.prompts.append(SECOND_CALL_PROMPTS[0])
        extra = {"custom_objection": stall_slug}
    elif custom:
        kind = "sparring"
        objection_slug = objection.slug if objection else None
        state.prompts.append(custom)
        extra = {"custom_objection": custom}
        state.prospect = {key: " ".join(clean_text(str(value)).split())[:80]
                          for key, value in (prospect or {}).items() if key in ("role", "product") and value}
    else:
        if objection is None:
            raise StartError(f"Unknown objection {objection_slug!r}")
        kind = "sparring"
        extra = {}
    if objection is None:
        persona = 0
    elif persona is None:  # its own draw (the lines stay), and not the prospect the trainee met last time
        before = last_meeting(db, trainee_id, objection.slug)
        others = [i for i in range(len(objection.personas)) if not before or i != before[0]]
        persona = random.Random(seed ^ 0x5EED).choice(others or list(range(len(objection.personas))))
    else:
        persona = min(max(persona, 0), len(objection.personas) - 1)
    state.home = (objection is not None and objection.personas[persona].role == "Homeowner") or \
        state.prospect.get("role", "").lower() == "homeowner"
    if kind == "sparring" and not custom:
        before = last_meeting(db, trainee_id, objection.slug)
        state.prompts.append(opening_line(objection, rng, avoid=before[1] if before else None, home=state.home))
    abandon_open_sessions(db, trainee_id)
    return store.create_session(db, trainee_id=trainee_id, kind=kind, objection_slug=objection_slug,
                                difficulty=difficulty, persona=persona, seed=seed, state=state.to_dict(), **extra)


def last_meeting(db: Database, trainee_id: int, slug: str) -> tuple[int, str] | None:
    """The persona and opening line of the trainee's last session of this library objection, so the next one
    meets someone else, who says it in other words."""
    row = next(db.query("SELECT persona, state FROM sessions WHERE trainee_id = ? AND objection_slug = ? AND kind = "
                        "'sparring' AND custom_objection IS NULL ORDER BY id DESC LIMIT 1", [trainee_id, slug]), None)
    if row is None:
        return None
    prompts = RoutineState.from_dict(json.loads(row["state"]) if isinstance(row["state"], str) else row["state"]).prompts
    return row["persona"], prompts[0] if prompts else ""


def _start_scenario(db: Database, *, trainee_id: int, scenario: tracks.Scenario, difficulty: str,
                    seed: int | None) -> dict:
    """A closing or psychology scenario: its key is the session's `objection_slug`, its first line the opening."""
    state = start_state(difficulty)
    state.prompts.append(closing.prompt_for(scenario, 1))
    abandon_open_sessions(db, trainee_id)
    return store.create_session(db, trainee_id=trainee_id, kind=scenario.track, objection_slug=scenario.key,
                                difficulty=difficulty, persona=0, seed=random.randrange(1, 2**31) if seed is None else seed,
                                state=state.to_dict())


def abandon_open_sessions(db: Database, trainee_id: int) -> None:
    store.abandon_sessions(db, trainee_id)


def open_session(db: Database, trainee_id: int) -> dict | None:
    """The trainee's unfinished session, if any (what a reload resumes)."""
    row = next(db.query("SELECT id FROM sessions WHERE trainee_id = ? AND status = 'active' "
                        "ORDER BY id DESC LIMIT 1", [trainee_id]), None)
    return store.get_session(db, row["id"], trainee_id=trainee_id) if row else None


def last_finished(db: Database, trainee_id: int, *, within_minutes: int = 60) -> dict | None:
    """The trainee's session that ended most recently, if it ended in the last `within_minutes` (what a
    reload after the last answer shows again)."""
    since = (datetime.now(UTC) - timedelta(minutes=within_minutes)).strftime("%Y-%m-%d %H:%M:%S")
    row = next(db.query("SELECT id FROM sessions WHERE trainee_id = ? AND status = 'complete' AND ended_at >= ? "
                        "ORDER BY ended_at DESC, id DESC LIMIT 1", [trainee_id, since]), None)
    return store.get_session(db, row["id"], trainee_id=trainee_id) if row else None


def session_objection(session: dict, lib: Library | None = None) -> Objection | None:
    lib = lib or library()
    if session["kind"] == "second_call":
        state = RoutineState.from_dict(session["state"])
        return lib.objection(session["custom_objection"]) if state.round == 2 else None
    if session["kind"] in TRACK_KINDS:
        return None
    return lib.objection(session["objection_slug"])


def custom_prospect(session: dict) -> Objection | None:
    """For the trainee's own objection, the prospect built from its families (concern, pushback, curveballs,
    worded around it). It plays the prospect only: grading and history keep the session's own objection."""
    if session["kind"] == "sparring" and not session["objection_slug"] and session.get("custom_objection"):
        context = RoutineState.from_dict(session["state"]).prospect
        return objection_for(session["custom_objection"], role=context.get("role", ""),
                             product=context.get("product", ""))
    return None


def closed_door(opening: str, objection: Objection | None) -> str | None:
    """The closed door a sparring conversation opened on (a `grading.HARD_STOPS` topic: "take me off your list",
    a loss, a deal signed elsewhere), read from the opening line, or from the lines of a library objection of the
    "boundary" category; None for an open door. Every round of such a session is graded knowing it."""
    topic = objection_topic(clean_text(opening or ""), objection)
    if topic in HARD_STOPS:
        return topic
    if objection is not None and objection.category == "boundary":
        return next((found for line in (objection.title, *objection.lines)
                     if (found := objection_topic(line, None)) in HARD_STOPS), None)
    return None


def session_closed_door(session: dict, lib: Library | None = None) -> str | None:
    """A sparring session's closed door (`closed_door`), None for any other session."""
    state = RoutineState.from_dict(session["state"])
    if session["kind"] != "sparring" or not state.prompts:
        return None
    return closed_door(state.prompts[0], session_objection(session, lib) or custom_prospect(session))


def session_scenario(session: dict) -> tracks.Scenario | None:
    """The closing or psychology scenario a session runs (the second call's, for a second call)."""
    if session["kind"] == "second_call":
        return tracks.scenario(tracks.SECOND_CALL_KEY)
    return tracks.scenario(session["objection_slug"]) if session["kind"] in TRACK_KINDS else None


@dataclass(frozen=True)
class TurnResult:
    turn_id: int
    grade: Grade
    reply: str  # the built-in reply, saved with the turn; an LLM reply may replace it (`replace_reply`)
    state: RoutineState
    beat: Beat | None = None
    scene: Scene | None = None
    notices: tuple[str, ...] = ()
    deadline: Deadline | None = None  # what is left of the turn's time budget, for the LLM prospect


def grade_with_judge(prompt: str, text: str, *, objection_slug: str | None, lib: Library,
                     llm: LLMClient | None, who: object, deadline: Deadline | None = None,
                     door: str | None = None, opening: str | None = None,
                     earlier: str = "") -> tuple[Grade, tuple[str, ...]]:
    """The built-in grade, or the LLM judge's grade guarded by it; LLM failures fall back visibly. `door`: the
    session's closed door (`closed_door`), which the answer to every line of it is graded under; the judge then
    reads the `opening` line before the latest one. `earlier`: the prospect's lines before this one."""
    builtin = grade_rebuttal(prompt, text, context=earlier, objection_slug=objection_slug, lib=lib, closed_door=door)
    if llm is None:
        return builtin, ()
    if door and opening and opening != prompt:
        prompt = f"{opening} {prompt}"
    try:
        return judge(llm, prompt, text, builtin, who=who,
                     deadline=(deadline or Deadline()).remaining() * JUDGE_SHARE), ()
    except LLMError as error:
        return builtin, (f"The AI judge could not answer ({error}) The built-in rubric graded this answer.",)


def answer_the_curveball(grade: Grade, objection: Objection | None, state: RoutineState) -> Grade:
    """Under the curveball round, a better line that answers the curveball (the library's model answer to it)
    rather than the objection's model answer, which the prospect has moved on from; on a closed door's own
    objection ("how did you even get my number?"), rather than its general respectful line too. Any other better
    line (a closed door's respectful line elsewhere, an AI judge's elite line) stays."""
    if objection is None or state.curveball is None or state.round != ROUNDS:
        return grade
    model = {objection.rebuttal("elite").text, *(RESPECTFUL.values() if objection.category == "boundary" else ())}
    if grade.feedback.better not in model:
        return grade
    answer = objection.curveball_answers[state.curveball]
    return replace(grade, feedback=replace(grade.feedback, better=answer.text, better_why=answer.why))


SAID_BEFORE = "Round 1's model answer, which still answers this: "


def said_before(grade: Grade, objection: Objection | None, round_number: int) -> Grade:
    """After round 1, a better line that is still the objection's model answer (the library has none for the
    pushback or the fact the prospect revealed) says so, rather than passing round 1's line off as a new one."""
    if objection is None or round_number < 2 or grade.feedback.better != objection.rebuttal("elite").text or \
            grade.feedback.better_why.startswith(SAID_BEFORE):
        return grade
    why = grade.feedback.better_why
    return replace(grade, feedback=replace(grade.feedback, better_why=SAID_BEFORE + why[:1].lower() + why[1:]))


def answer_slot(text: str) -> str:
    """A lesson drill's day and time (it has no session): drawn from the answer, so it stays the same on a reload."""
    return session_slot(zlib.crc32(text.encode()))


def on_the_sessions_day(grade: Grade, slot: str) -> Grade:
    """The better line names the session's own day and time ("on Thursday at 2" becomes "on Tuesday at 10"), so a
    model answer does not read the same in every session."""
    better = with_time(grade.feedback.better, slot, timed_only=True)
    return grade if better == grade.feedback.better else replace(grade, feedback=replace(grade.feedback, better=better))


def take_turn(db: Database, *, trainee_id: int, session_id: int, rebuttal: str, turn_uid: str | None = None,
              prospect: Prospect | None = None, lib: Library | None = None, llm: LLMClient | None = None) -> TurnResult:
    """Grade one answer, move the routine on, save it all in one transaction, return the reply."""
    lib = lib or library()
    prospect = prospect or ScriptedProspect()
    text = check_rebuttal(rebuttal)
    session = store.get_session(db, session_id, trainee_id=trainee_id)
    if session is None:
        raise TurnError("That session was not found.")
    state = RoutineState.from_dict(session["state"])
    if state.finished or session["status"] != "active":
        raise TurnError("This session is over: start a new one to keep training.")
    objection = session_objection(session, lib)
    speaker = objection or custom_prospect(session)  # who the prospect is
    prompt = state.prompts[-1]
    round_number = state.round
    door = closed_door(state.prompts[0], speaker) if session["kind"] == "sparring" else None

    started = time.perf_counter()
    deadline = Deadline()
    scenario = session_scenario(session)
    if session["kind"] == "second_call":  # its own steps, not the objection rubric the LLM judge marks against
        grade, notices = grade_second_call(round_number, prompt, text, stall=objection, lib=lib), ()
    elif scenario is not None:  # a closing or psychology scenario: its round's own rubric, no judge
        grade, notices = closing.grade_round(scenario, round_number, prompt, text, lib=lib), ()
    else:
        grade, notices = grade_with_judge(prompt, text, objection_slug=objection.slug if objection else None, lib=lib,
                                          llm=llm, who=trainee_id, deadline=deadline, door=door,
                                          opening=state.prompts[0], earlier=" ".join(state.prompts[:-1]))
    grade_ms = (time.perf_counter() - started) * 1000
    if session["kind"] == "sparring":
        grade = on_the_sessions_day(said_before(answer_the_curveball(grade, objection, state), objection, round_number),
                                    session_slot(session["seed"]))

    started = time.perf_counter()
    stall = lib.objection(session["custom_objection"]) if session["kind"] == "second_call" else None
    beat, reply = advance(state, grade, kind=session["kind"], rebuttal=text, objection=stall or speaker,
                          difficulty=session["difficulty"], rng=random.Random(session["seed"] * 31 + round_number),
                          seed=session["seed"], prospect=prospect, scenario=scenario, door=door)
    reply_ms = (time.perf_counter() - started) * 1000

    update = {"state": state.to_dict(), "pending": None}
    if state.finished:
        update.update(status="complete", outcome=state.outcome, ended_at=store.now())
    # a scenario's turns are counted under its key (Progress, spaced repetition); an objection's under its slug
    turn = turn_row(trainee_id=trainee_id, source=session["kind"], round_number=round_number,
                    objection_slug=scenario.key if scenario else objection.slug if objection else session["objection_slug"],
                    prompt=prompt, text=text, grade=grade, grade_ms=grade_ms, uid=turn_uid or store.new_uid(),
                    session_id=session_id, reply=reply, reply_ms=round(reply_ms, 3))
    try:
        turn_id = store.save_turn(db, turn, session_update=update)
    except store.SessionClosed:  # ended (in another tab) while the judge was reading the answer
        raise TurnError("This session was ended while your answer was being graded, so it was not saved. Pick a new "
                        "drill to go on.") from None
    scene = Scene(speaker, state.prompts[0], session["persona"], session["difficulty"],
                  _history(db, session_id, trainee_id), product=lib.product) if beat else None
    return TurnResult(turn_id, grade, reply, state, beat, scene, notices, deadline)


def _history(db: Database, session_id: int, trainee_id: int) -> tuple[tuple[str, str], ...]:
    """The conversation so far, as the prospect heard it."""
    history: list[tuple[str, str]] = []
    for turn in store.session_turns(db, session_id, trainee_id=trainee_id):
        history += [("prospect", turn["prompt"]), ("rep", turn["rebuttal"])]
    return tuple(history)


def replace_reply(db: Database, *, trainee_id: int, session_id: int, turn_id: int, reply: str) -> None:
    """Swap the built-in reply saved with a turn for the LLM's finished one (one transaction), as long as
    that turn is still the session's newest and its line the one on record. The turn's `engine` stays the
    grade's: it says who graded the answer."""
    with store.write_transaction(db):
        session = store.get_session(db, session_id, trainee_id=trainee_id)
        turn = next(db.query("SELECT round, reply FROM turns WHERE id = ? AND trainee_id = ?", [turn_id, trainee_id]), None)
        newest = db.execute("SELECT max(round) FROM turns WHERE session_id = ?", [session_id]).fetchone()[0]
        if session is None or turn is None or turn["round"] != newest or not reply.strip():
            return
        state = RoutineState.from_dict(session["state"])
        said = state.closing if state.finished else state.prompts[-1] if state.prompts else None
        if said != turn["reply"]:
            return  # the conversation has moved on from that line
        if state.finished:
            state.closing = reply
        else:
            state.prompts[-1] = reply
        store.set_reply(db, turn_id, trainee_id=trainee_id, reply=reply)
        store.update_session(db, session_id, trainee_id=trainee_id, state=state.to_dict())


DRILL_BEATS = {"weak": "push", "strong": "reveal", "elite": "exit"}  # a lesson's drill: one answer, one reaction


def advance(state: RoutineState | None, grade: Grade, *, kind: str, rebuttal: str, objection: Objection | None,
            rng: random.Random, difficulty: str = "normal", seed: int = 0,
            prospect: Prospect | None = None, scenario: tracks.Scenario | None = None,
            door: str | None = None) -> tuple[Beat | None, str]:
    """The one place a routine moves on after a graded answer, and the prospect's built-in line: `kind` is
    "sparring" (and the presenter's class round), "second_call" (its own three steps; `objection` is the
    stall, `seed` picks it), "closing" or "psychology" (a `scenario`'s rounds), or "drill" (a lesson's drill
    cell: one answer, `state` None, the reaction from the grade alone). `state` is moved on in place and keeps
    the line (the next prompt, or the closing one). Returns the beat an LLM prospect can say instead (None for
    the second call and the scenarios, whose lines are written for them) and the line. `door`: a sparring
    session's closed door (`closed_door`): an answer that respects it ends the call well (`lets_them_go`)."""
    prospect = prospect or ScriptedProspect()
    if kind == "second_call":
        beat, reply = None, _second_call_reply(state, grade, objection, seed, rng, ask=proposed_time(rebuttal))
    elif kind in TRACK_KINDS:
        beat, reply = None, _scenario_reply(state, grade, scenario, ask=proposed_time(rebuttal))
    else:
        offered = offers_in(rebuttal)
        if state is not None:
            state.offers = {**offered, **state.offers}  # the first words each offer was made in
        made = state.offers if state is not None else offered
        if kind == "drill":
            beat = Beat(DRILL_BEATS[grade.tier], grade.tier,
                        fact=rng.choice(fresh(objection.hidden_facts, made)) if grade.tier == "strong" else None)
        elif door and state is not None:
            beat = lets_them_go(state, grade, difficulty=difficulty, objection=objection, rng=rng)
        else:
            beat = next_beat(state, grade.tier, difficulty=difficulty, objection=objection, rng=rng)
        beat = replace(beat, ask=proposed_time(rebuttal), answer=rebuttal, made=tuple(made),
                       slot=session_slot(seed) if seed else answer_slot(rebuttal),
                       said=tuple(state.prompts) if state is not None else (),
                       pressured=any(flag.code == "pressure" for flag in grade.red_flags), did=what_it_did(grade),
                       home=state.home if state is not None else False)
        reply = "".join(prospect.say(beat, objection=objection, rng=rng))
    if state is not None:
        if state.finished:
            state.closing = reply
        else:
            state.prompts.append(reply)
    return beat, reply


def lets_them_go(state: RoutineState, grade: Grade, *, difficulty: str, objection: Objection | None,
                 rng: random.Random) -> Beat:
    """At a closed door there is no next step to win: an answer that respects it (strong or better, nothing pushed)
    ends the call well, the prospect saying goodbye ("respected"); one that pushes on hardens them, and a call that
    ends without the door respected is lost, never "stalled" with the deal still open."""
    if grade.tier != "weak" and not any(flag.code == "ignores" for flag in grade.red_flags):
        state.tiers.append(grade.tier)
        state.finished, state.outcome = True, "respected"
        return Beat("goodbye", grade.tier, final=True)
    beat = next_beat(state, grade.tier, difficulty=difficulty, objection=objection, rng=rng)
    if state.finished and state.outcome != "lost":
        state.outcome = "lost"
        return Beat("hang_up", grade.tier, final=True)
    return beat


def what_it_did(grade: Grade) -> tuple[str, ...]:
    """The moves an answer made, each with the rep's words that earned it (for the LLM prospect)."""
    def quoted(phrase: str) -> str:
        return '"' + " ".join(phrase.split())[:80].replace('"', "'") + '"'

    return tuple(f"{mark.label.lower()} ({quoted(mark.phrases[0])})" if mark.phrases else mark.label.lower()
                 for mark in grade.moves if mark.points > 0 and mark.counted)


SECOND_CALL_YES = ("I'll sign the agreement today.", "I'll sign it this afternoon.",
                   "Let's get the paperwork done and get going.")


def _second_call_reply(state: RoutineState, grade: Grade, stall: Objection | None, seed: int,
                       rng: random.Random, *, ask: str | None = None) -> str:
    """Second call: round 1 opens the call, round 2 is a stall, round 3 asks for next steps."""
    state.tiers.append(grade.tier)
    if grade.tier == "weak":
        state.patience -= 1
    if grade.tier == "elite":
        state.door_open = True
    if state.patience <= 0:
        state.finished, state.outcome = True, "lost"
        return "I'm sorry, I don't think this is a priority for us right now. I need to go."
    if state.round >= ROUNDS:
        state.finished = True
        state.outcome = "advanced" if grade.tier == "elite" or (grade.tier == "strong" and state.door_open) else "stalled"
        if state.outcome == "advanced":  # yes to the rep's own close, in the rep's terms; nothing the rep never offered
            if ask:
                return f"Okay, {ask} it is. {rng.choice(SECOND_CALL_YES)}"
            return f"Okay, let's do it. {rng.choice(SECOND_CALL_YES)}"
        return "Let me take another look at everything and get back to you."
    state.round += 1
    if state.round == 2:
        opener = "Things have moved a bit since we spoke." if grade.tier != "weak" else "Not much has changed, to be honest."
        return " ".join(one_hedge([opener, second_call_stall(seed)[1]]))  # "to be honest" once
    return SECOND_CALL_PROMPTS[2] if grade.tier != "weak" else (
        "I'm still not sure. " + SECOND_CALL_PROMPTS[2])


def _scenario_reply(state: RoutineState, grade: Grade, scenario: tracks.Scenario, *, ask: str | None = None) -> str:
    """A closing or psychology scenario: the next round's line (after a weak answer, the round's doubt first),
    or, after the last round, the close landing or not. On the closing track weak answers use up patience."""
    state.tiers.append(grade.tier)
    closing_track = scenario.track == "closing"
    if grade.tier == "weak" and closing_track:
        state.patience -= 1
    if state.patience <= 0:
        state.finished, state.outcome = True, "lost"
        return "I'm sorry, I don't think this is for us right now. I need to go."
    if state.round >= len(scenario.rounds):
        # only an elite last answer lands the close: a strong one gets them part of the way (its own line, which
        # takes up only what a strong answer does), a weak one a stall
        state.finished = True
        state.outcome = "advanced" if grade.tier == "elite" else "stalled"
        if grade.tier == "elite":
            return agree_to(scenario.advanced, ask)
        return scenario.partly if grade.tier == "strong" and scenario.partly else scenario.stalled
    doubt = scenario.rounds[state.round - 1].after_weak
    state.round += 1
    line = closing.prompt_for(scenario, state.round)
    return " ".join(one_hedge([doubt, line])) if grade.tier == "weak" else line


def grade_drill(db: Database, *, trainee_id: int, objection_slug: str, prompt: str, rebuttal: str,
                source: str, lib: Library | None = None, llm: LLMClient | None = None,
                deadline: Deadline | None = None) -> tuple[int, Grade, tuple[str, ...]]:
    """A lesson's drill cell: grade one answer and save it to the trainee's history. `deadline` is the
    time budget the judge shares with the prospect's reply that follows."""
    lib = lib or library()
    text = check_rebuttal(rebuttal)
    started = time.perf_counter()
    grade, notices = grade_with_judge(prompt, text, objection_slug=objection_slug, lib=lib, llm=llm, who=trainee_id,
                                      deadline=deadline)
    grade = on_the_sessions_day(grade, answer_slot(text))
    grade_ms = (time.perf_counter() - started) * 1000
    turn_id = store.save_turn(db, turn_row(trainee_id=trainee_id, source=source, round_number=1,
                                           objection_slug=objection_slug, prompt=prompt, text=text, grade=grade,
                                           grade_ms=grade_ms))
    return turn_id, grade, notices


def turn_row(*, trainee_id: int, source: str, round_number: int, objection_slug: str | None, prompt: str, text: str,
             grade: Grade, grade_ms: float, **extra: object) -> dict:
    """One graded answer as the `turns` table keeps it: the one place a turn's row is built (a sparring round,
    a second-call round, a lesson's drill; `extra`: its session, reply and uid)."""
    return {"trainee_id": trainee_id, "source": source, "round": round_number, "objection_slug": objection_slug,
            "prompt": prompt, "rebuttal": text, "tier": grade.tier, "score": grade.score, **grade.points,
            "grade": grade.to_dict(), "engine": grade.engine, "grade_ms": round(grade_ms, 3), **extra}


def keep_drill_reply(db: Database, *, trainee_id: int, turn_id: int, reply: str) -> None:
    """The prospect's line shown after a drill (the LLM's, when it answered), kept with the turn so the
    lesson shows the same line when the trainee comes back."""
    with store.write_transaction(db):
        store.set_reply(db, turn_id, trainee_id=trainee_id, reply=reply)


@dataclass(frozen=True)
class Report:
    tiers: list[str]
    scores: list[int]
    best_line: str | None
    best_tier: str | None
    weakest_move: str | None
    outcome: str | None
    drill_next: str | None  # an objection slug
    steps: dict[str, int] | None  # second call: the points (0-2) each of the six steps earned in its round
    difficulty: str = "normal"
    scenario: str | None = None  # a closing or psychology scenario's key (the second call's too)
    closed_door: str | None = None  # a session on a closed door ("take me off your list"): `closed_door`
    tied_moves: tuple[str, ...] = ()  # the moves that share the fewest points, when more than one does


def session_report(db: Database, session: dict, lib: Library | None = None) -> Report:
    lib = lib or library()
    turns = store.session_turns(db, session["id"], trainee_id=session["trainee_id"])
    best = max(turns, key=lambda t: (t["score"], -t["round"]), default=None)
    if best and best["tier"] == "weak":
        best = None  # a weak line is nothing to hold up as the best
    totals = {move: sum(t[move] for t in turns) for move in MOVES}
    fewest = tuple(move for move in MOVES if totals[move] == min(totals.values())) if turns else ()
    door = session_closed_door(session, lib)
    if fewest and totals[fewest[0]] == 2 * len(turns) or session["kind"] != "sparring" or door:
        fewest = ()  # every move earned full marks every round, the steps of a scenario's rounds say it, or the
        # door was closed (the four moves are not what it asks for)
    state = RoutineState.from_dict(session["state"])
    slug = session["objection_slug"] or (session["custom_objection"] if session["kind"] == "second_call" else None)
    drill_next = slug if any(t["tier"] != "elite" for t in turns) else None
    steps = step_marks(turns) if session["kind"] == "second_call" else None
    return Report(
        tiers=[t["tier"] for t in turns],
        scores=[t["score"] for t in turns],
        best_line=best["rebuttal"] if best else None,
        best_tier=best["tier"] if best else None,
        weakest_move=fewest[0] if len(fewest) == 1 else None,
        outcome=state.outcome,
        drill_next=drill_next if drill_next in lib.objections else None,
        steps=steps,
        difficulty=session["difficulty"],
        scenario=scenario.key if (scenario := session_scenario(session)) else None,
        closed_door=door,
        tied_moves=fewest if len(fewest) > 1 else (),
    )


STEP_LABELS = {step: label for step, (label, _) in SECOND_CALL_STEPS.items()}
