"""What a line offers or claims: a payment plan, a one-pager, a customer reference, a trial, a payback...

One reader, `offers_in`, runs on the rep's answer (what the rep actually offered, in the rep's words) and on
the prospect's candidate lines (what a line takes for granted), so the prospect never thanks the rep for a
one-page summary the rep never offered. `take_up` words the prospect's yes to the rep's own offer, in the
rep's terms, and `with_time` puts the day and time the rep (or the session) named into a line.
"""

from __future__ import annotations

import functools
import random
import re

# Each kind: what the rep says when making it (and what a prospect's line says when it takes it for granted).
# A named group `noun` is a thing the prospect can ask for ("the payment plan"); `verb` something to do
# ("spread it over six months").
OFFERS: dict[str, re.Pattern] = {
    "payment_plan": re.compile(
        r"\b(?P<noun>(?:(?:a|the|our) )?(?:monthly (?:option|payments?|plan|instal?lments?)|payment (?:plan|options?)|"
        r"instal?lment(?: plan)?s?|financing(?: option| plan)?))\b"
        r"|\b(?P<verb>(?:spread|split|break) (?:the (?:cost|payments?|price|bill)|it|that|this|payments?)(?: up| out)?"
        r"(?: (?:over|across|into) (?:[\w-]+ ){0,3}?(?:months?|weeks?|years?|quarters?|payments?|instal?lments?))?"
        r"|pay (?:it |for it )?(?:monthly|in (?:instal?lments|stages|parts)))\b", re.I),
    "summary": re.compile(
        r"\b(?P<noun>(?:(?:a|the|that|your) (?:short |quick |written |two-minute |one-page |brief )?"
        r"(?:summary|recap|one[- ]pager)|one[- ]pager|one[- ]page (?:summary|recap|overview|version|breakdown)))\b"
        r"|\b(?P<verb>put (?:it|that|this|everything|the \w+) (?:down )?(?:in writing|on (?:one page|paper))|"
        r"write (?:it|that|this) (?:up|down))\b", re.I),
    "reference": re.compile(
        r"\b(?P<verb>(?:talk|speak|chat) (?:to|with) (?:one of )?(?:our|my|your|a|an|two|some|other) "
        r"(?:current |existing |happy |other )?(?:customers?|clients?)|"
        r"(?:introduce|connect|put) you (?:to|with|in touch with) (?:one of )?(?:our|my|a|an) "
        r"(?:current |existing |happy )?(?:customers?|clients?))\b"
        r"|\b(?P<noun>(?:(?:a|the) )?(?:customer )?references?|(?:a |that )?call with (?:that|one of (?:our|your)|a|an) "
        r"(?:current |existing )?(?:customers?|clients?)|(?:that )?customer you mentioned)\b", re.I),
    "case_study": re.compile(
        r"\b(?P<noun>(?:(?:a|the|that) )?(?:case stud(?:y|ies)|customer story|(?:one |that |the )?example (?:from|of) "
        r"(?:a |the |another )?similar (?:customer|business|company|home|clinic|client)|example you mentioned|"
        r"(?:that|the) one example|that example))\b", re.I),
    "trial": re.compile(
        r"\b(?P<noun>(?:(?:a|the|our) )?(?:(?:free |\d+-day |\w+-(?:week|month) |short |small )?(?:trial|pilot)(?: run)?|test run))\b"
        r"|\b(?P<verb>try it (?:out |for (?:a|one|two|\d+) (?:weeks?|months?|days?)|free)|see it working for a \w+)\b", re.I),
    "discount": re.compile(
        r"\b(?P<noun>(?:(?:a|the) )?(?:discount|price cut|\d+ ?(?:%|percent) off))\b"
        r"|\b(?P<verb>knock (?:[\w-]+ ){0,3}off|drop (?:the|my|our) price|(?:lower|reduce|cut) (?:the|my|our) price)\b", re.I),
    "payback": re.compile(
        r"\b(?:pays? (?:for )?(?:it|them)sel(?:f|ves)|pa(?:ys?|id) (?:it )?back|payback|break(?:s|ing)? even|return on|roi|"
        r"saves? (?:you|them|us) (?:about |around |over )?(?:\$|\d|money|more|time|hours)|pays? off)\b", re.I),
    "cost_of_waiting": re.compile(
        r"\b(?:cost(?:s|ing)? of (?:waiting|doing nothing|inaction|delay)|(?:waiting|delay(?:ing)?|putting it off)"
        r"(?: \w+){0,2} cost(?:s|ing)?|every (?:week|month|day) (?:you wait|this waits|it waits|of waiting)|"
        r"what (?:does |is )?(?:waiting|the delay|putting it off) cost)", re.I),
    "easy_start": re.compile(
        r"\b(?:start(?:ed|ing)? (?:small|with (?:just |only )?(?:one|a small|the small|a single))|small(?:er)? version|"
        r"(?:set ?up|onboarding|switch(?:ing)?|getting started|the move) (?:is|takes|only takes) (?:\w+ ){0,3}?"
        r"(?:light|quick|easy|simple|\d+|one|two|three|a few|an hour|about)|we (?:handle|do|take care of) "
        r"(?:the |all the |most of the )?(?:setup|set-up|switch|move|transfer|work)|"
        r"really that (?:light|easy|quick|simple)|if it's that quick|something that small)\b", re.I),
    "setup_plan": re.compile(
        r"\b(?:(?:setup|set-up|rollout|onboarding|implementation|launch) plan|plan (?:for|of) the (?:setup|rollout))\b", re.I),
    "joint_call": re.compile(
        r"\b(?:(?:join|joined) (?:us|the call|in)|(?:with|bring|invite|include) (?:your|my|the) "
        r"(?:partner|wife|husband|boss|manager|committee|accountant|co-owner|board)(?: on the (?:call|line))?|"
        r"(?:speak|talk) (?:to|with) (?:your|my|the) (?:partner|boss|manager|wife|husband|committee|accountant)|"
        r"heard? it from (?:you|me|us) directly|on the line)\b", re.I),
    "comparison": re.compile(
        r"\b(?:side[- ]by[- ]side|comparison (?:checklist|sheet|table)|checklist|way to compare|"
        r"next to (?:theirs|each other|the price)|(?:put|line) (?:the )?(?:hours|quotes|both) next to)\b", re.I),
    "quote": re.compile(
        r"\b(?:your quote|(?:a|the) quote for|(?:send|get|put together|prepare|write) (?:you |over )?(?:a |the )?"
        r"(?:quote|estimate)|the two options)\b", re.I),
    "numbers": re.compile(
        r"\b(?:(?:your|my|our|the|those|actual|real) (?:actual |real )?(?:numbers|figures)|run the numbers|"
        r"the numbers (?:look|work)|(?:laid|lay (?:it|that|them)) out|breakdown)\b", re.I),
}

# How a prospect asks for an offer in their own words (a hidden fact, a curveball); not an offer when a rep says it
# ("is it paying it all upfront?" asks about it).
ASKS: dict[str, re.Pattern] = {
    "payment_plan": re.compile(r"\b(?:pay(?:ing)? (?:it )?all upfront|monthly would|(?:cost|payments?) spread)\b", re.I),
}

# What a prospect may ask for in their own words (a hidden fact, a curveball): asking for it after the rep
# has offered it reads as not listening, and doubting it after the rep answered it contradicts the turn.
WANTS = frozenset({"payment_plan", "summary", "reference", "case_study", "trial", "payback", "easy_start",
                   "joint_call", "comparison", "quote", "setup_plan"})

LABELS = {"payment_plan": "a payment plan", "summary": "a one-page summary", "reference": "a call with a customer",
          "case_study": "a similar customer's example", "trial": "a trial", "discount": "a discount",
          "payback": "a payback claim", "cost_of_waiting": "what waiting costs", "easy_start": "an easy start",
          "joint_call": "a call with the other decision maker", "comparison": "a side-by-side comparison",
          "quote": "a quote", "numbers": "going through the numbers", "setup_plan": "a setup plan"}


def offers_in(text: str) -> dict[str, str]:
    """The offers and claims in `text`, each with the words that made it (the first place each is said)."""
    found: dict[str, str] = {}
    for kind, pattern in OFFERS.items():
        match = pattern.search(text or "")
        if match:
            found[kind] = match.group().strip()
    return found


@functools.lru_cache(maxsize=4096)  # asked of the library's lines on every turn: the same few hundred
def mentions(text: str) -> frozenset[str]:
    """The offers and claims a prospect's line speaks of: made by the rep, or asked for."""
    return frozenset(offers_in(text)) | {kind for kind, pattern in ASKS.items() if pattern.search(text or "")}


_SWAP = {"our": "your", "ours": "yours", "we": "you", "us": "you", "my": "your", "me": "you", "i": "you",
         "your": "my", "yours": "mine", "you": "me", "i'll": "you'll", "we'll": "you'll"}


def in_their_mouth(phrase: str) -> str:
    """The rep's words as the prospect repeats them: "our customers" becomes "your customers"."""
    return re.sub(r"\b(?:our|ours|we|us|my|me|i|your|yours|you|i'll|we'll)\b",
                  lambda m: _match_case(_SWAP[m.group().lower()], m.group()), phrase, flags=re.I)


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() and like.lower() != "i" else word


def take_up(kind: str, text: str) -> str | None:
    """The prospect's yes to the rep's offer of `kind`, in the words the rep used in `text`; None for an offer
    the prospect does not take up by name (a discount, a claim)."""
    if kind not in TAKE_UP:
        return None
    match = next((m for m in OFFERS[kind].finditer(text or "") if m.group("noun") or m.group("verb")), None)
    if not match:
        return None
    noun, verb = match.group("noun"), match.group("verb")
    if noun:
        phrase = re.sub(r"^(?:a|an|the|that|our|my)\s+", "", in_their_mouth(noun.strip()), flags=re.I)
        return TAKE_UP[kind][0].format(phrase=phrase)
    if verb:
        phrase = in_their_mouth(verb.strip())
        if kind == "reference" and re.match(r"(?:talk|speak|chat)\b", phrase, re.I):
            return f"Yes, I'd like to {phrase}."
        return TAKE_UP[kind][1].format(phrase=phrase)
    return None


TAKE_UP = {  # (for a thing the rep offered, for something the rep offered to do)
    "payment_plan": ("The {phrase} would make this a lot easier.", "If we can {phrase}, that makes it a lot easier."),
    "summary": ("Send me the {phrase}.", "Yes, please {phrase}."),
    "reference": ("Yes, please set up the {phrase}.", "Yes, please {phrase}."),
    "case_study": ("Send me the {phrase}.", "Send me that."),
    "trial": ("Let's start with the {phrase}.", "I'd be happy to {phrase}."),
}

# -- days and times --------------------------------------------------------------------------------------------

DAY_AND_TIME = re.compile(
    r"\b(?:(?:on |next )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow)"
    r"(?: (?:morning|afternoon|evening))?(?: at \d{1,2}(?:[:.]\d\d)?(?: ?[ap]\.?m\.?)?)?"
    r"|(?:early |late |later )?(?:this|next) week)\b", re.IGNORECASE)
WEEKDAY = re.compile(r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)
SLOTS = tuple(f"{day} at {hour}" for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
              for hour in ("9", "10", "11", "2", "3", "4"))


def session_slot(seed: int) -> str:
    """The day and time a session's suggested lines name (its own draw, so sessions differ)."""
    return random.Random(seed ^ 0x5107).choice(SLOTS)


def with_time(line: str, when: str | None, *, timed_only: bool = False) -> str:
    """`line` with its (last) day and time replaced by `when` ("on Wednesday at 3" becomes "on Thursday at 10").
    `timed_only`: replace only a day that comes with a time ("at 3"), not "the first Monday of next month"."""
    if not when:
        return line
    matches = [m for m in DAY_AND_TIME.finditer(line) if not timed_only or " at " in m.group()]
    if not matches:
        return line
    found = matches[-1]  # the meeting, not a send-by date: "send it by Wednesday, talk Thursday at 11"
    weekday = bool(WEEKDAY.match(when))  # "Thursday at 10", not "tomorrow at 9" or "next week"
    day = (when[:1].upper() if weekday else when[:1].lower()) + when[1:]
    lead = "on " if weekday and found.group().lower().startswith("on ") else ""
    return line[:found.start()] + lead + day + line[found.end():]


def has_time(line: str) -> bool:
    return DAY_AND_TIME.search(line) is not None
