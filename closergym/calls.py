"""Grade a real call: read a transcript, find each objection the prospect raised and the rep's answer to it,
and grade every answer with the same rubric as a sparring answer.

Three steps, each a plain function: `parse` turns the text (plain "Name: text" lines, WebVTT with `<v Name>`
voice tags or "Name:" cues, or SRT with "Name:" cues; the subtitle formats are read by webvtt-py) into turns
`(speaker, text, time)`; `find_exchanges` picks, among the turns of everyone but the rep, those the library
matcher and the grader's own topics read as an objection, each with what the rep said next (or no answer);
`grade_call` grades each answer with `grading.grade_rebuttal` (fit included). Nothing here leaves the machine.

The work is bounded before it starts: a transcript over `MAX_CALL_BYTES` is refused with a message, and at
most `MAX_EXCHANGES` answers are graded.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from closergym.content import Library, library, unicode_text
from closergym.grading import (
    CATEGORY_TOPIC,
    HARD_STOPS,
    MAX_REBUTTAL,
    PERSON,
    Grade,
    clean_text,
    grade_rebuttal,
    objection_topic,
    reads_as_english,  # the grader's own test, one home
)
from closergym.matching import SURE, matcher_for

MAX_CALL_MB = 1  # about six hours of talk, timings included; in whole megabytes, as the upload box takes it
MAX_CALL_BYTES = MAX_CALL_MB * 1024 * 1024
MAX_CALL = f"{MAX_CALL_MB} MB"  # as the page and the messages say it
MAX_EXCHANGES = 60  # answers graded in one call
MAX_SENTENCES_MATCHED = 800  # sentences the library matcher reads in one call: a second or two
MAX_TURN_READ = 4000  # characters of one turn read for objections (a long monologue: its start)
MAX_OBJECTION_CHARS = 600  # what of a prospect's turn is kept as the objection
NAME_MAX = 40
RELATED = 0.15  # a match this close, on the topic the grader reads, names the library objection
MAX_ANSWER_TURNS = 40  # turns read for one answer: the rep's, and the other side's nods between them
BACKCHANNEL_WORDS = 3  # "Mm-hmm.", "Right, okay.": a nod, not a turn that ends the rep's answer

TOPIC_LABELS = {"decider": "someone else decides", "past": "it went wrong before", "request": "send me something",
                "timing": "bad timing", "diy": "we'll do it ourselves", "incumbent": "we already have someone",
                "price": "the price", "think": "I need to think", "trust": "can I trust you", "do_not_call": "take me off your list",
                "bereavement": "a loss in the family", "signed_elsewhere": "signed elsewhere"}
# Words of pushing back: a topic (money, timing) raised with one of these is an objection, not a question.
RESISTANCE = re.compile(
    r"\b(?:not|no|nope|don't|do not|can't|cannot|won't|isn't|aren't|wasn't|doesn't|didn't|haven't|never|too|"
    r"already|but|however|though|busy|later|expensive|pricey|afford|worried|concern\w*|unsure|hesitant|"
    r"happy with|think (?:about|it over|on it)|sleep on|mull|run (?:it|this) (?:by|past)|check with|talk (?:to|with) my|"
    r"send me|email me|call me back|tried|burn(?:ed|t)|rather|need to|have to|got to|gotta|wait|ourselves|in-house|"
    r"off your list|stop calling|cheaper|for less|quoted (?:us|me) (?:\w+ ){0,4}less|"
    # a price set against what they pay now: "your price is double what we pay now"
    r"(?:double|twice|triple|(?:more|higher|pricier|dearer) than)(?= [^.!?]{0,12}?\b(?:what|we|i|our|budget|others?|"
    r"competitors?|anyone|everyone)\b)|steep|out of (?:our|my) (?:budget|range|league))\b",
    re.IGNORECASE)
LOGISTICS = re.compile(r"\b(?:invite|invitation|calendar|agenda|link|zoom|teams|meeting|slides|contract|paperwork|"
                       r"dates?|times?|address|directions)\b", re.IGNORECASE)
VERBATIM = 0.8  # a match this close is the library's own words: two words will do ("Not interested.")
MIN_WORDS = 5  # words of a sentence the matcher is not sure of, before it may count as an objection
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


class CallError(ValueError):
    """The transcript cannot be graded as it is; the message says why and what to do. Nothing was saved."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    time: float | None = None  # seconds from the start of the call, when the transcript says
    marks: tuple[tuple[int, float], ...] = ()  # where each timed line joined into this turn starts, and its time

    def time_at(self, offset: int) -> float | None:
        """The time of the line that holds character `offset` of the turn's text."""
        times = [time for start, time in self.marks if start <= offset]
        return times[-1] if times else self.time


@dataclass(frozen=True)
class Transcript:
    turns: tuple[Turn, ...]
    format: str  # "text", "vtt" or "srt"

    @property
    def speakers(self) -> list[str]:
        """Everyone who speaks, in the order they first do."""
        return list(dict.fromkeys(turn.speaker for turn in self.turns))


@dataclass(frozen=True)
class Exchange:
    """One objection the prospect raised and the rep's answer (None: the rep never answered it)."""
    index: int
    time: float | None
    speaker: str
    said: str  # the prospect's whole turn
    objection: str  # the sentences of it that object: what the answer is graded against
    slug: str | None  # the library objection it is, if any
    title: str
    answer: str | None
    grade: Grade | None = None
    nod: str | None = None  # the rep's bare "OK." that answered nothing (then `answer` is None)

    def to_dict(self) -> dict:
        return {"objection": self.objection, "answer": self.answer, "tier": self.grade.tier if self.grade else None,
                "score": self.grade.score if self.grade else None, "slug": self.slug, "title": self.title,
                "speaker": self.speaker, "time": self.time}


@dataclass(frozen=True)
class CallReport:
    transcript: Transcript
    rep: str
    exchanges: tuple[Exchange, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def graded(self) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.grade is not None]


# -- reading ---------------------------------------------------------------------------------------------


def decode(raw: bytes, *, name: str = "The file") -> str:
    """An uploaded or read file as text: refused past the size limit before anything else, UTF-8 (a
    byte-order mark allowed) or a message naming the line that is not."""
    check_size(len(raw))
    try:
        text = unicode_text(raw)
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise CallError(f"{name} is not UTF-8 text (line {line}). Save it as UTF-8 (plain text, .vtt or .srt) "
                        "and try again.") from None
    if not text.strip():
        raise CallError(f"{name} is empty: there is no transcript in it.")
    return text


def check_size(size: int) -> None:
    if size > MAX_CALL_BYTES:
        raise CallError(f"That transcript is {size / 1024 / 1024:,.1f} MB; Closer Gym grades calls up to "
                        f"{MAX_CALL} (about six hours of talk). Cut it to the part of the "
                        "call with the objections and try again.")


SRT_START = re.compile(r"\A\s*\d+\s*\n\s*\d+:\d{1,2}:\d{1,2}[,.]\d+\s*-->")
CUE_TIMING = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3}\s*-->", re.MULTILINE)
VOICE = re.compile(r"<v(?:\.[\w-]+)*\s+([^>]+)>")
TAG = re.compile(r"<[^>\n]*>")
# Markup pasted into a plain transcript ("<b>", "<img src=x>"): not words anyone said. "a < b" is kept.
MARKUP = re.compile(r"</?[A-Za-z][^<>\n]{0,200}>")
# "Sam: text", "[00:01:02] Sam: text", "00:01 - Sam: text", "Sam [00:01]: text", "Sam (0:42): text"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_NAME = r"[^\W\d_][\w.'’&()-]*(?: [\w.'’&()-]+){0,4}"
LABELLED = re.compile(rf"^\s*(?:[\[(]?(?P<time>{_TIME})[\])]?\s*[-–|]?\s*)?(?P<name>{_NAME}?)\s*"
                      rf"(?:[\[(](?P<after>{_TIME})[\])])?\s*:\s*(?P<text>.*)$")
# Otter-style: a line with the name and a time, the words on the lines below.
HEADING = re.compile(rf"^\s*(?P<name>{_NAME}?)\s+(?P<time>{_TIME})\s*$")


def seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    parts = [float(part) for part in stamp.replace(",", ".").split(":")]
    total = 0.0
    for part in parts:
        total = total * 60 + part
    return total


def _speaker_label(name: str | None) -> str | None:
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX or not re.search(r"[^\W\d_]", name):
        return None
    return name


def parse(text: str) -> Transcript:
    """The transcript's turns, a speaker's consecutive lines joined into one. Raises `CallError` for a
    transcript too large, empty, or one whose subtitle structure cannot be read."""
    check_size(len(text.encode("utf-8", "surrogatepass")))
    text = clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CallError("Paste a call transcript first (or upload a .txt, .vtt or .srt file).")
    head = text.lstrip()
    if head.startswith("WEBVTT"):
        return _merge(_subtitle_lines(head, "vtt"), "vtt")
    if SRT_START.match(head):
        return _merge(_subtitle_lines(head, "srt"), "srt")
    if CUE_TIMING.search(head[:2000]):  # cues without the WEBVTT line a header-less export drops
        return _merge(_subtitle_lines("WEBVTT\n\n" + head, "vtt"), "vtt")
    return _merge(_plain_lines(text), "text")


def _subtitle_lines(text: str, kind: str) -> list[Turn]:
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=kind).captions
    except (MalformedFileError, MalformedCaptionError) as error:
        captions, problem = [], f" ({error})"
    else:
        problem = ""
    if not captions:
        what = "a WebVTT" if kind == "vtt" else "an SRT"
        raise CallError(f"This looks like {what} file, but no cue in it could be read{problem}. Export it again, or "
                        "paste the words as plain “Name: text” lines.")
    lines: list[Turn] = []
    for caption in captions:
        voice, start = None, caption.start_time.in_milliseconds() / 1000
        for raw in caption.lines:
            found = VOICE.search(raw)
            voice = _speaker_label(found.group(1)) if found else voice
            words = " ".join(TAG.sub("", raw).split())
            if not words:
                continue
            if voice:
                lines.append(Turn(voice, words, start))
                continue
            labelled = LABELLED.match(words)
            name = _speaker_label(labelled.group("name")) if labelled else None
            if name and labelled.group("text").strip():
                lines.append(Turn(name, labelled.group("text").strip(), start))
            else:
                lines.append(Turn("", words, start))  # the last speaker's, or nobody's
    return _settle_names(lines)


def _plain_lines(text: str) -> list[Turn]:
    lines: list[Turn] = []
    for raw in text.split("\n"):
        raw = " ".join(MARKUP.sub(" ", raw).split()) if "<" in raw else raw
        if not raw.strip():
            continue
        heading = HEADING.match(raw)
        if heading and _speaker_label(heading.group("name")):
            lines.append(Turn(_speaker_label(heading.group("name")), "", seconds(heading.group("time"))))
            continue
        labelled = LABELLED.match(raw)
        name = _speaker_label(labelled.group("name")) if labelled else None
        if name and labelled.group("text").strip():
            lines.append(Turn(name, labelled.group("text").strip(),
                              seconds(labelled.group("time") or labelled.group("after"))))
        else:
            lines.append(Turn("", raw.strip(), None))
    return _settle_names(lines)


def _settle_names(lines: list[Turn]) -> list[Turn]:
    """Every line with its speaker: a label seen once while two or more others speak again and again ("Look:
    here's the thing") is a word of the line, not a speaker; an unlabelled line is whoever spoke last's; a
    heading (a name and a time, the words below) gives its time to the line after it."""
    counts: dict[str, int] = {}
    for line in lines:
        if line.speaker:
            counts[line.speaker.casefold()] = counts.get(line.speaker.casefold(), 0) + 1
    regulars = sum(1 for count in counts.values() if count >= 2)
    settled: list[Turn] = []
    speaker, pending = "", None
    for line in lines:
        if line.speaker and not (counts[line.speaker.casefold()] == 1 and regulars >= 2):
            speaker = line.speaker
            if not line.text:
                pending = line.time
                continue
            settled.append(line)
        else:
            text = f"{line.speaker}: {line.text}" if line.speaker else line.text
            settled.append(Turn(speaker, text.strip(), line.time if line.time is not None else pending))
        pending = None
    return settled


def _merge(lines: list[Turn], kind: str) -> Transcript:
    """Consecutive lines of one speaker (a VTT cue per few seconds) become one turn, remembering where each
    timed line starts in it. Linear in the text: a call with one speaker's ten thousand cues stays cheap."""
    names: dict[str, str] = {}  # the first spelling of each name stands for every later one
    groups: list[tuple[str, list[str], list[tuple[int, float]]]] = []
    length = 0  # of the last group's text so far
    for line in lines:
        if not line.text.strip():
            continue
        speaker = names.setdefault(line.speaker.casefold(), line.speaker) if line.speaker else ""
        if not groups or groups[-1][0] != speaker:
            groups.append((speaker, [], []))
            length = -1  # no space before the first line
        _, parts, marks = groups[-1]
        if line.time is not None:
            marks.append((length + 1, line.time))
        parts.append(line.text)
        length += 1 + len(line.text)
    turns = tuple(Turn(speaker, " ".join(parts), marks[0][1] if marks else None, tuple(marks))
                  for speaker, parts, marks in groups)
    return Transcript(turns, kind)


def check_speakers(transcript: Transcript) -> None:
    """`CallError` unless the call has at least two named speakers."""
    speakers = [name for name in transcript.speakers if name]
    if not speakers:
        raise CallError("No speaker names found, so there is no telling the rep from the prospect. Start each line "
                        "with who is talking, like “Sam: How is the team finding it?” (a WebVTT file may name them "
                        "with <v Sam> tags, an SRT file with “Sam:” at the start of a cue).")
    if len(speakers) == 1:
        raise CallError(f"Only one speaker found ({speakers[0]}): a call needs the rep and the prospect. Start each "
                        "line with who is talking, like “Sam: …” and “Jordan: …”.")


# -- who is who, and what was objected ------------------------------------------------------------------


def questions_asked(transcript: Transcript) -> dict[str, int]:
    asked: dict[str, int] = {name: 0 for name in transcript.speakers if name}
    for turn in transcript.turns:
        if turn.speaker:
            asked[turn.speaker] += sum(1 for s in SENTENCE.findall(turn.text) if s.rstrip().endswith("?"))
    return asked


def default_rep(transcript: Transcript) -> str:
    """The speaker who asks the most questions (reps ask, prospects object); on a tie, who speaks first."""
    asked = questions_asked(transcript)
    order = [name for name in transcript.speakers if name]
    return max(order, key=lambda name: (asked[name], -order.index(name)))


def _words(text: str) -> int:
    return len(WORDS.findall(text))


STANCE = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|we|we're|we've|we'd|we'll|our|us|you|your|you're|you've)\b",
                    re.IGNORECASE)


class Budget:
    """How many more sentences the matcher may read in this call (each costs about a millisecond)."""

    def __init__(self, sentences: int = MAX_SENTENCES_MATCHED):
        self.left = sentences

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def read_objection(text: str, lib: Library, budget: Budget | None = None) -> tuple[str, str | None, str, str] | None:
    """The objecting sentences of a prospect's turn, the library objection they are (if any), a title and the
    first objecting sentence; None when the turn objects to nothing. A sentence objects when the library's
    matcher is sure of it, or when the matcher or the grader's own topics (price, timing, who decides, a
    closed door...) see one and the words push back."""
    matcher = matcher_for(lib)
    found: list[tuple[float, str, str | None, str | None]] = []
    for sentence in (s.strip() for s in SENTENCE.findall(text[:MAX_TURN_READ])):
        words = _words(sentence)
        if words < 2 or not reads_as_english(sentence):
            continue
        pushes, topic = RESISTANCE.search(sentence), objection_topic(sentence, None)
        if not pushes and topic is None:
            continue  # nothing of an objection's words: spare the matcher (bounded work on a long call)
        if budget is not None and not budget.take():
            break
        match = matcher.best(sentence)
        topic = objection_topic(sentence, lib.objections[match.slug] if match else None)
        if match is None and topic:  # the grader names the topic: the library's nearest objection on it, if near
            match = next((m for m in matcher.rank(sentence, limit=5) if m.score >= RELATED
                          and CATEGORY_TOPIC.get(lib.objections[m.slug].category) == topic), None)
        sure = match is not None and match.score >= (SURE if words >= 3 else VERBATIM)  # "Busy season." is news
        # Short of the matcher being sure, an objection takes a few words ("Good, busy but good." is small
        # talk), and asking for an invite or a contract is logistics, not "just send me something".
        # and it is the speaker's own stance on the offer (we, I, you...): "It doesn't really do that." about
        # their current tool answers a question, it objects to nothing.
        maybe = (match or topic) and pushes and words >= MIN_WORDS and STANCE.search(sentence) \
            and not (topic == "request" and LOGISTICS.search(sentence))
        if sure or topic in HARD_STOPS or maybe:
            found.append((match.score if match else 0.0, sentence, match.slug if match else None, topic))
    if not found:
        return None
    best = max(found, key=lambda item: item[0])
    slug = best[2] or next((item[2] for item in found if item[2]), None)
    slug = for_the_decider(" ".join(item[1] for item in found), slug, lib)
    topic = best[3] or next((item[3] for item in found if item[3]), None)
    title = lib.objections[slug].title if slug else f"A new objection: {TOPIC_LABELS.get(topic, 'pushback')}"
    objection = " ".join(item[1] for item in found)
    if len(objection) > MAX_OBJECTION_CHARS:
        objection = objection[:MAX_OBJECTION_CHARS].rsplit(" ", 1)[0] + "…"
    return objection, slug, title, found[0][1]


NOD_WORDS = frozenset({"ok", "okay", "k", "right", "alright", "all", "got", "it", "i", "see", "mm", "hmm", "mhm", "uh",
                       "huh", "um", "yeah", "yep", "yes", "cool", "understood", "noted", "ah", "oh", "fine"})


def is_nod(answer: str) -> bool:
    """A rep's turn that only acknowledges ("OK.", "Right, got it.", "Mm-hmm."): no question, no words of an answer."""
    words = [word.casefold() for word in WORDS.findall(answer)]
    return 0 < len(words) <= BACKCHANNEL_WORDS and "?" not in answer and all(word in NOD_WORDS for word in words)


# Who the prospect says decides, and the library's objection about that person (the matcher reads "our CFO"
# and "my partner" as near alike).
DECIDER_OBJECTIONS = {"partner-decides": frozenset({"partner", "wife", "husband", "spouse", "half", "co-founder",
                                                    "cofounder", "family", "dad", "mum", "mom", "father", "mother"}),
                      "run-by-boss": frozenset({"boss", "manager", "board", "director", "cfo", "ceo", "owner",
                                                "committee", "supervisor"})}


def for_the_decider(objection: str, slug: str | None, lib: Library) -> str | None:
    """A library objection about who decides, swapped for the one about the person the prospect named:
    "that's our CFO, Maria" is the boss's sign-off, not "my partner handles the money decisions"."""
    if slug not in lib.objections or lib.objections[slug].category != "authority":
        return slug
    named = named_decider(objection)
    role = named[0].split()[-1].lower() if named else ""
    return next((other for other, roles in DECIDER_OBJECTIONS.items()
                 if role in roles and other in lib.objections and lib.objections[other].category == "authority"),
                slug)


def find_exchanges(transcript: Transcript, rep: str, *, lib: Library | None = None,
                   budget: Budget | None = None) -> list[Exchange]:
    """Each objection raised by someone other than `rep`, with the rep's words up to the next real turn of
    the other side (a short nod from them does not end the answer); None where the rep said nothing."""
    lib = lib or library()
    turns = transcript.turns
    exchanges: list[Exchange] = []
    budget = budget or Budget()
    for position, turn in enumerate(turns):
        if turn.speaker == rep or not turn.speaker:
            continue
        read = read_objection(turn.text, lib, budget)
        if budget.left < 0:
            break
        if read is None:
            continue
        answer: list[str] = []
        for later in turns[position + 1:position + 1 + MAX_ANSWER_TURNS]:
            if later.speaker == rep:
                answer.append(later.text)
                if sum(map(len, answer)) > MAX_REBUTTAL:
                    break  # as much as the grader reads: a rep who talks on is answering no more
            elif _words(later.text) <= BACKCHANNEL_WORDS and answer:
                continue  # "Mm-hmm" while the rep answers
            elif answer and _words(" ".join(answer)) <= BACKCHANNEL_WORDS and later.speaker \
                    and read_objection(later.text, lib, budget) is None:
                answer = []  # the rep only nodded and the prospect went on: the answer is still to come
            else:
                break
        objection, slug, title, first = read
        said, nod = " ".join(answer) or None, None
        if said and is_nod(said):
            said, nod = None, said  # "OK." and on to the next thing: the objection went unanswered
        exchanges.append(Exchange(len(exchanges) + 1, turn.time_at(turn.text.find(first)), turn.speaker, turn.text,
                                  objection, slug, title, said, nod=nod))
        if len(exchanges) >= MAX_EXCHANGES:
            break
    return exchanges


def grade_exchange(exchange: Exchange, *, lib: Library) -> Exchange:
    if exchange.answer is None:
        return exchange
    grade = grade_rebuttal(exchange.objection, exchange.answer, objection_slug=exchange.slug, lib=lib)
    return Exchange(**{**exchange.__dict__, "grade": grade})


def grade_call(text: str, *, rep: str | None = None, lib: Library | None = None) -> CallReport:
    """Read, check, find and grade a whole call. Raises `CallError` for a transcript that cannot be graded."""
    lib = lib or library()
    transcript = parse(text)
    check_speakers(transcript)
    speakers = {name.casefold(): name for name in transcript.speakers if name}
    if rep is not None and rep.casefold() not in speakers:
        raise CallError(f"Nobody called “{rep}” speaks in this call. The speakers are: "
                        + ", ".join(speakers.values()) + ".")
    rep = speakers[rep.casefold()] if rep else default_rep(transcript)
    notes: list[str] = []
    said = " ".join(turn.text for turn in transcript.turns)
    if not reads_as_english(said):
        notes.append("This grader reads English, and this call seems to be in another language: it can find and "
                     "grade objections only in English. Paste an English transcript (or a translation).")
    budget = Budget()
    exchanges = find_exchanges(transcript, rep, lib=lib, budget=budget)
    if len(exchanges) >= MAX_EXCHANGES:
        notes.append(f"Only the first {MAX_EXCHANGES} objections were graded.")
    elif budget.left < 0:
        notes.append(f"This call is long: only its first part (the first {MAX_SENTENCES_MATCHED:,} sentences that "
                     "sounded like pushback) was read for objections. Grade the rest as a call of its own.")
    graded = tuple(grade_exchange(exchange, lib=lib) for exchange in exchanges)
    return CallReport(transcript, rep, graded, tuple(notes))


ACRONYMS = {"cfo": "CFO", "ceo": "CEO"}
NOT_A_NAME = frozenset({"And", "But", "So", "Or", "I", "She", "He", "They", "We", "It", "That", "This", "Also", "Then",
                        "First", "Today", "Tomorrow", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"})


def named_decider(objection: str) -> tuple[str, str | None] | None:
    """Who the prospect said decides, in their words: ("CFO", "Maria") for "that's our CFO, Maria",
    ("business partner", None) for "my business partner"; None when they named nobody."""
    found = list(PERSON.finditer(objection))
    if not found:
        return None
    best = next((m for m in found if m.group(1).lower() not in ("team", "family")), found[0])
    role = " ".join(ACRONYMS.get(word.lower(), word.lower()) for word in best.group(1).split())
    after = re.match(r",?\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b", objection[best.end():])
    name = after.group(1) if after and after.group(1) not in NOT_A_NAME else None
    return role, name


def better_line(exchange: Exchange, lib: Library) -> str:
    """The better line shown for an exchange: the grader's (the library objection's model answer), except where
    the prospect named who decides and the model answer speaks of someone else (their CFO, not "both of you"
    partners): then the same moves, addressed to the person they named."""
    if exchange.grade and exchange.grade.feedback:
        line = exchange.grade.feedback.better
    else:
        line = lib.objections[exchange.slug].rebuttal("elite").text if exchange.slug in lib.objections else ""
    if objection_topic(exchange.objection, lib.objections.get(exchange.slug or "")) != "decider":
        return line
    named = named_decider(exchange.objection)
    role = named[0].split()[-1].lower() if named else ""
    if named is None or re.search(rf"\b{re.escape(role)}", line, re.IGNORECASE) \
            or (exchange.slug == "partner-decides" and role in DECIDER_OBJECTIONS["partner-decides"]):
        # the model answer names them, or it is written for a partner or family: "decide this together"
        return line
    role, name = named
    who, short = (f"your {role}, {name},", name) if name else (f"your {role}", f"your {role}")
    return (f"That makes sense, and I'd want {who} to be comfortable with it too. Setting the sign-off aside, "
            f"would you recommend it yourself, and what will {short} look at most closely? In most cases that's "
            "total cost, contract length and how long setup takes, and I can answer all three on a single page you "
            f"can hand over. Could we set up 15 minutes with {short} on Thursday at 10, so they can ask me directly?")


def clock(time: float | None) -> str:
    """A time in the call as m:ss or h:mm:ss ('' when the transcript has no times)."""
    if time is None:
        return ""
    whole = int(time)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def isolated(name: str) -> str:
    """A name written right to left (Arabic, Hebrew) kept apart from the English around it: without the
    isolates, "سام with جوردان · 10:50" is laid out as one right-to-left run and reads back to front."""
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in name):
        return f"\u2068{name}\u2069"
    return name


def title_for(transcript: Transcript, rep: str) -> str:
    """A name for a stored call: who the rep spoke with."""
    others = [isolated(name) for name in transcript.speakers if name and name != rep]
    return f"{isolated(rep)} with {', '.join(others[:3])}" + (" and others" if len(others) > 3 else "")


def turn_rows(report: CallReport) -> dict[int, dict]:
    """The graded answers as turns for the trainee's progress (`store.save_call_turns`), by their place in
    the call; an objection the rep never answered has no turn."""
    from closergym.sessions import turn_row  # the one place a turn's row is built

    return {exchange.index: turn_row(trainee_id=0, source="call", round_number=1, objection_slug=exchange.slug,
                                     prompt=exchange.objection, text=exchange.answer[:2 * MAX_REBUTTAL], grade=exchange.grade,
                                     grade_ms=0.0)
            for exchange in report.graded}
