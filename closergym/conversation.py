"""The sparring conversation as data: what the Sparring page draws (`view`), and one answer's trip as
events (`answer`): graded and saved, then the prospect's reply, streamed when an LLM says it."""

from __future__ import annotations

import random
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from closergym import sessions, store, tracks
from closergym.content import Library, library
from closergym.grading import MOVE_LABELS, Grade, clean_text
from closergym.llm import LLMClient, LLMError
from closergym.prospect import LLMProspect
from closergym.second_call import STEP_ROUND
from closergym.sparring import CONCERN_ROUND_NAME, ROUND_NAMES, ROUNDS, SECOND_CALL_ROUND_NAMES, RoutineState

# Icons are Streamlit's Material names, not emoji: a machine without an emoji font draws emoji as boxes.
OUTCOMES = {
    "advanced": (":green[:material/check_circle:]", "Advanced", "The prospect agreed to a next step."),
    "stalled": (":orange[:material/pause_circle:]", "Stalled", "No next step agreed: the deal is still open, but drifting."),
    "lost": (":red[:material/cancel:]", "Lost", "The prospect ran out of patience and ended the call."),
    "respected": (":green[:material/handshake:]", "Respected", "You let them go well: you did what they asked, and they ended the call on "
                  "good terms."),
}
# What to work on after a session on a closed door (`sessions.closed_door`): letting go well, not the four moves
CLOSED_DOOR_WORK_ON = {
    "do_not_call": "Respecting a request to stop: confirm in plain words that you've taken them off the list, "
                   "apologise briefly for the interruption, and end the call with no question, pitch or meeting.",
    "bereavement": "Stepping back kindly: offer sincere condolences, promise nothing more will come from you "
                   "meanwhile, and leave the next contact to them, with no date and no question about the deal.",
    "signed_elsewhere": "Letting them go well: congratulate them, wish them well, and end the call without a pitch.",
}
TIER_ICONS = {"weak": ":material/cancel:", "strong": ":material/check_circle:", "elite": ":material/verified:"}
STILL_GRADING = ("An answer to this session is still being graded (sent from another tab or window): wait for "
                 "the prospect's reply, then send this one again.")
BEHIND = ("This page showed more of the conversation than is saved (was the database put back from a copy?), so "
          "your answer was not saved. This is the conversation as saved.")
ENDED_ELSEWHERE = ("This session was ended in another tab or window, so your answer was not saved. Pick a new "
                   "drill to go on.")
MODEL_ANSWER_NOTE = "That is the library's model answer, word for word: try it in your own words next."


def round_label(number: int, *, second_call: bool = False, scenario: tracks.Scenario | None = None,
                concern: bool = False) -> str:
    if scenario is not None and not second_call:
        rounds = scenario.rounds
        name = rounds[number - 1].name if number <= len(rounds) else "the next line"
        return f"Round {number} of {len(rounds)} · {name}"
    name = (SECOND_CALL_ROUND_NAMES if second_call else ROUND_NAMES).get(number, "the next line")
    if concern and number == ROUNDS and not second_call:
        name = CONCERN_ROUND_NAME
    return f"Round {number} of {ROUNDS} · {name}"


def badge_words(tier: str, score: int | None = None) -> str:
    return tier.upper() + (f" · {score}/100" if score is not None else "")


def badge(tier: str, score: int | None = None) -> str:
    return f"{TIER_ICONS[tier]} {badge_words(tier, score)}"


# Where a clause of an answer ends: a sentence's end, a semicolon or colon, a comma before a space (not the one
# in "$1,200"), a line break, a dash between spaces.
CLAUSE_END = re.compile(r"[.?!;:](?=\s|$)|,(?=\s)|\n|\s[-\u2013\u2014]\s")
NUMBER_WORD = re.compile(r"[$€£]?\d[\d.,:]*|a|an|the|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty",
                         re.IGNORECASE)  # a quote ending on it takes the word after (its unit, its noun)
QUOTE_WORDS = (4, 18)  # a quote is at least 4 words where its clause has them; a clause of up to 18 is quoted whole


def quoted(rebuttal: str | None, phrases: tuple[str, ...] | list[str], *, whole: bool = True) -> list[str]:
    """The phrases a grade quotes, as the card shows them, so that it quotes what the rep said, not fragments
    of it: the grader's matches in one clause ("Let's set", "set up a time") become that clause ("Let's set up
    a time to go over it together"), or in a long clause the words from the first match to the last, at least
    four ("Could we pencil in Thursday"). Not `whole` (specifics, which speak for themselves): the words from
    the first match in a clause to the last ("Most teams", "break even", "four months": "Most teams like yours
    break even within four months"). A phrase that another one holds is shown once; without the answer's
    text, the phrases as they are."""
    if not rebuttal:
        return list(dict.fromkeys(phrases))
    spans: dict[tuple[int, int], list[int]] = {}  # clause -> the span of its matches
    shown: list[str | tuple[int, int]] = []
    for phrase in phrases:
        found = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", rebuttal)
        if found is None:
            shown.append(phrase)
            continue
        clause = _clause(rebuttal, found.start(), found.end())
        if clause in spans:
            spans[clause] = [min(spans[clause][0], found.start()), max(spans[clause][1], found.end())]
        else:
            spans[clause] = [found.start(), found.end()]
            shown.append(clause)
    texts = list(dict.fromkeys(item if isinstance(item, str) else _quote(rebuttal, item, *spans[item], whole=whole)
                               for item in shown))
    return [text for text in texts if not any(text != other and text in other for other in texts)]


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause of `text` around `start`-`end`: from the clause end before it to the one after it (a
    question or exclamation mark kept)."""
    begin = max((match.end() for match in CLAUSE_END.finditer(text, 0, start)), default=0)
    after = CLAUSE_END.search(text, end)
    return begin, len(text) if after is None else after.start() + (text[after.start()] in "?!")


def _quote(text: str, clause: tuple[int, int], start: int, end: int, *, whole: bool) -> str:
    if not whole:
        return text[start:end].strip()
    said = text[clause[0]:clause[1]].strip()
    if len(said.split()) <= QUOTE_WORDS[1]:
        return said
    words = list(re.finditer(r"\S+", text[end:clause[1]]))
    missing = QUOTE_WORDS[0] - len(text[start:end].split())
    if missing > 0 and words:
        taken = min(missing, len(words))
        if taken < len(words) and NUMBER_WORD.fullmatch(words[taken - 1].group()):
            taken += 1  # "book 20 minutes", not "book 20"
        end += words[taken - 1].end()
    return text[start:end].strip().rstrip(",;:")


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def card(grade: Grade, *, rebuttal: str | None = None, feedback: bool = True) -> dict:
    """A graded answer's scorecard: the badge, each move with the phrases that earned it, the red flags,
    notes, and (with `feedback`) keep / start / stop and a better line."""
    shown = {
        "tier": grade.tier,
        "score": grade.score,
        "badge": badge(grade.tier, grade.score),
        # what the rep did, quoted as said; specifics ("6 hours", "$1,200") as found, one span per clause
        "moves": [{"label": mark.label, "points": mark.points, "note": mark.note,
                   "phrases": quoted(rebuttal, mark.phrases, whole=mark.move != "respond")}
                  for mark in grade.moves if mark.counted],
        # "caps the grade at strong" under a weak grade reads as a contradiction: said only where the cap held it
        "flags": [{"label": flag.label, "phrases": quoted(rebuttal, flag.phrases),
                   "cap": f"caps the grade at {flag.cap}" if grade.tier == flag.cap else ""}
                  for flag in grade.red_flags],
        "notes": list(grade.notes),
        "feedback": None,
    }
    if feedback:
        fb = grade.feedback
        better = None if rebuttal is not None and _same_words(rebuttal, fb.better) else {
            "title": "Another elite line, to compare" if grade.tier == "elite" else "A better alternative",
            "text": fb.better, "why": fb.better_why}
        shown["feedback"] = {"keep": [mark.label for mark in grade.moves if mark.counted and mark.points == 2],
                             "start": list(fb.start), "stop": list(fb.stop),
                             "better": better, "note": None if better else MODEL_ANSWER_NOTE}
    return shown


def report(result: sessions.Report) -> dict:
    """The session report: the outcome (kept apart from the grades), a badge per round, the best line, and
    what to work on next."""
    icon, label, meaning = OUTCOMES.get(result.outcome or "stalled")
    work_on = advice = None
    if result.closed_door:  # the right answer lets them go: nothing about the four moves
        if result.outcome == "respected" and set(result.tiers) == {"elite"}:
            advice = "You let them go at once, and kindly: that is the whole skill here. Try another objection."
        else:
            work_on = CLOSED_DOOR_WORK_ON[result.closed_door]
    elif result.weakest_move:
        work_on = f"{MOVE_LABELS[result.weakest_move]}, the move that earned you the fewest points over the session."
    elif len(result.tied_moves) == len(MOVE_LABELS):  # no move stands out: naming the first would be arbitrary
        work_on = ("all four moves: over the session each earned the same total, short of full marks. The start list "
                   "under your last answer says what each one needs.")
    elif result.tied_moves:
        labels = [MOVE_LABELS[move] for move in result.tied_moves]
        work_on = f"{', '.join(labels[:-1])} and {labels[-1]}, the moves that earned you the fewest points over the session."
    elif result.scenario and result.tiers and result.steps is None:  # a scenario: the rubric under each answer shows what to work on
        advice = ("Every round landed at elite. " if set(result.tiers) == {"elite"} else
                  "The start list under each answer names the steps to add. ") + \
            "Run it again in your own words, or pick another scenario of the track."
    elif result.tiers and result.steps is None:  # the second call: its steps show what to work on
        advice = "Every move earned full marks in every round. " + (
            "Try another objection, or the second call." if result.difficulty == "hard"
            else "Try a harder difficulty or another objection.")
    if result.tiers and not result.best_line:
        advice = "No line reached strong yet. The better alternative under your last answer shows one that would."
    return {
        "outcome": f"{icon} {label}",
        "meaning": meaning if result.outcome == "respected" else
        f"{meaning} The outcome is kept apart from your grades: a strong answer can still stall a tough prospect.",
        "rounds": [{"number": number, "tier": tier, "score": score, "badge": badge(tier, score)}
                   for number, (tier, score) in enumerate(zip(result.tiers, result.scores), start=1)],
        "best": {"line": result.best_line, "tier": result.best_tier} if result.best_line else None,
        "work_on": work_on,
        "advice": advice,
        "steps": None if result.steps is None else [{"label": sessions.STEP_LABELS[step], "points": points,
                                                     "round": STEP_ROUND[step]}
                                                    for step, points in result.steps.items()],
    }


def view(db: Database, session: dict, lib: Library | None = None) -> dict:
    """Everything the browser shows of a session: the conversation so far and, once it is over, the report."""
    lib = lib or library()
    state = RoutineState.from_dict(session["state"])
    turns = {turn["round"]: turn for turn in store.session_turns(db, session["id"], trainee_id=session["trainee_id"])}
    second_call = session["kind"] == "second_call"
    scenario = sessions.session_scenario(session)
    messages = []
    for number, prompt in enumerate(state.prompts, start=1):
        messages.append({"id": f"p{number}", "who": "prospect",
                         "label": round_label(number, second_call=second_call, scenario=scenario,
                                              concern=state.curveball is None and bool(state.revealed)),
                         "text": prompt})
        turn = turns.get(number)
        if turn:
            grade = Grade.from_dict(turn["grade"])
            # keep / start / stop and the better line under the newest answer only: under every answer, a
            # phone's screen held two screens of advice between one prospect line and the next
            messages.append({"id": f"a{number}", "who": "rep", "text": turn["rebuttal"],
                             "card": card(grade, rebuttal=turn["rebuttal"], feedback=number == len(turns)),
                             "last": state.finished and number == len(turns)})  # the answer that ended it
    if state.finished and state.closing:
        messages.append({"id": "closing", "who": "prospect", "label": "", "text": state.closing})
    where = standing(session)
    return {**where, "session": session["uid"], "messages": messages,
            "report": None if where["active"] else report(sessions.session_report(db, session, lib))}


def standing(session: dict) -> dict:
    """Where a session stands, without its conversation: its `round`, whether it takes an answer (`active`),
    and an answer taken in for this round whose grading never finished (`cut_off`: the server stopped),
    unless it is being graded right now."""
    state = RoutineState.from_dict(session["state"])
    active = session["status"] == "active" and not state.finished
    pending = session.get("pending") or {}
    return {"round": state.round, "active": active,
            "cut_off": pending.get("text") if active and pending.get("round") == state.round
            and session["id"] not in _answering else None}


def _taken_elsewhere(db: Database, session: dict, round_number: int, text: str) -> list[str] | None:
    """For a round already answered: no notice when it holds `text` (the same answer, sent again), a notice
    when it holds another answer (sent from another tab or window), None when it holds no answer at all."""
    saved = next(db.query("SELECT rebuttal FROM turns WHERE session_id = ? AND trainee_id = ? AND round = ?",
                          [session["id"], session["trainee_id"], round_number]), None)
    if saved is None:
        return None
    if _same_words(saved["rebuttal"], clean_text(text)):
        return []
    return [f"Round {round_number} was already answered, in another tab or window, so this answer was not saved: "
            "this is the conversation as saved."]


def _answered_already(db: Database, session: dict, round_number: int, text: str, lib: Library) -> dict:
    """The event for an answer to a round the session is not at (a retry, another tab went first)."""
    taken = _taken_elsewhere(db, session, round_number, text)
    if taken is None:  # the page is ahead of the saved conversation: the database went back in time
        return {"type": "error", "message": BEHIND, "saved": False}
    return {"type": "done", "view": view(db, session, lib), "notices": taken, **({"unsent": True} if taken else {})}


class LiveReply:
    """An LLM's reply as it streams. Iterate it for the chunks; afterwards `text` is the reply to keep:
    the model's, or `fallback` (the built-in line) with a `notice` when the stream failed or said nothing."""

    def __init__(self, chunks: Iterator[str], fallback: str):
        self._chunks, self.fallback = chunks, fallback
        self.text, self.from_llm, self.notice = fallback, False, None

    def __iter__(self) -> Iterator[str]:
        received: list[str] = []
        failure = None
        try:
            for chunk in self._chunks:
                received.append(chunk)
                yield chunk
        except LLMError as error:
            failure = error
        text = clean_text("".join(received)).strip()
        if failure or not text:
            reason = str(failure) if failure else "It sent an empty reply."
            self.notice = f"The AI prospect dropped out: {reason} The built-in prospect answered instead."
        else:
            self.text, self.from_llm = text, True


_answering: set[int] = set()  # sessions with an answer on its way through `answer`, in this process
_answering_lock = threading.Lock()


@contextmanager
def _one_at_a_time(session_id: int) -> Iterator[bool]:
    """True for the first answer to a session while no other is being taken; False for one that comes
    meanwhile (a double send, a retry through the other path, a second tab), which must not run the judge
    and the prospect a second time."""
    with _answering_lock:
        first = session_id not in _answering
        _answering.add(session_id)
    try:
        yield first
    finally:
        if first:
            with _answering_lock:
                _answering.discard(session_id)


def answer(db: Database, *, trainee_id: int, session_id: int, text: str, round_number: int | None = None,
           llm: LLMClient | None = None, lib: Library | None = None) -> Iterator[dict]:
    """One answer's trip, as events for the browser:

    - `{"type": "graded", "view": ...}`: the turn is graded and saved; the newest prospect line is still to
      come (`"pending": true` on it) because an LLM is saying it. Only in the LLM mode.
    - `{"type": "chunk", "text": ...}`: a piece of that line, as the LLM says it.
    - `{"type": "done", "view": ..., "notices": [...]}`: the conversation as saved; with a notice and
      `"unsent": true` when another answer had already taken that round.
    - `{"type": "error", "message": ..., "saved": false}`: the answer was refused; nothing was saved.

    `round_number` is the round the browser answered: the same answer sent twice (a retry, a second tab) is
    saved once, and the browser gets the conversation as it stands.
    """
    lib = lib or library()
    try:
        sessions.refuse_unread(text)  # before a retry's check below compares it with what was saved
    except sessions.TurnError as error:
        yield {"type": "error", "message": str(error), "saved": False}
        return
    with _one_at_a_time(session_id) as first:
        if not first:
            yield {"type": "error", "message": STILL_GRADING, "saved": False}
            return
        session = store.get_session(db, session_id, trainee_id=trainee_id)  # as it stands, no other answer on its way
        if session is None:
            yield {"type": "error", "message": "That session was not found.", "saved": False}
            return
        if session["status"] == "abandoned":
            yield {"type": "error", "message": ENDED_ELSEWHERE, "saved": False}
            return
        state = RoutineState.from_dict(session["state"])
        if round_number is not None and (round_number != state.round or state.finished or session["status"] != "active"):
            yield _answered_already(db, session, round_number, text, lib)
            return
        try:
            text = sessions.check_rebuttal(text)
        except sessions.TurnError as error:
            yield {"type": "error", "message": str(error), "saved": False}
            return
        store.hold_answer(db, session_id, trainee_id=trainee_id, round_number=state.round, text=text)
        yield from _take(db, session, state, text=text, llm=llm, lib=lib)


def _take(db: Database, session: dict, state: RoutineState, *, text: str, llm: LLMClient | None,
          lib: Library) -> Iterator[dict]:
    trainee_id, session_id = session["trainee_id"], session["id"]
    try:
        result = sessions.take_turn(db, trainee_id=trainee_id, session_id=session_id, rebuttal=text,
                                    turn_uid=f"{session['uid']}-r{state.round}", llm=llm, lib=lib)
    except sessions.TurnError as error:
        store.drop_answer(db, session_id, trainee_id=trainee_id)
        yield {"type": "error", "message": str(error), "saved": False}
        return
    notices = list(result.notices)
    if llm and result.beat:
        shown = view(db, store.get_session(db, session_id, trainee_id=trainee_id), lib)
        shown["messages"][-1] = {**shown["messages"][-1], "text": "", "pending": True}
        yield {"type": "graded", "view": shown}
        rng = random.Random(session["seed"] * 31 + len(result.state.tiers) + 1000)
        remaining = result.deadline.remaining() if result.deadline else None
        live = LiveReply(LLMProspect(llm, who=trainee_id).stream(result.scene, result.beat, rng, deadline=remaining),
                         result.reply)
        for chunk in live:
            yield {"type": "chunk", "text": chunk}
        if not live.from_llm:
            notices.append(live.notice)
        else:
            try:
                sessions.replace_reply(db, trainee_id=trainee_id, session_id=session_id, turn_id=result.turn_id,
                                       reply=live.text)
            except sqlite3.Error as error:  # the answer is saved; only the model's wording of the reply is lost
                notices.append(f"The AI prospect's line could not be saved ({error}); the built-in line was kept.")
    yield {"type": "done", "view": view(db, store.get_session(db, session_id, trainee_id=trainee_id), lib),
           "notices": notices}


def not_saved(error: Exception, db_path: Path, *, answer_saved: bool = False) -> dict | None:
    """The event for an answer a storage failure kept from being saved (a full disk, a read-only or
    vanished file), saying what to do; None for an error that is a bug, not the disk's doing. With
    `answer_saved`, the failure came after the answer was saved, while its reply was being finished."""
    problem = error if isinstance(error, store.StorageError) else (
        store.storage_problem(error, db_path) if isinstance(error, sqlite3.Error) else None)
    if problem is None:
        return None
    what = ("Your answer was saved, but its reply could not be finished (reload the page to see it)"
            if answer_saved else "Your answer was not saved")
    return {"type": "error", "message": f"{what}: Closer Gym could not use its database. {problem}",
            "saved": answer_saved}
