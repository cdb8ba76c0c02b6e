"""Objection families: what kind of worry an objection is, and a whole prospect built from it.

`families_of(text)` reads the families in anything a prospect might say ("let me sleep on it and talk
to my wife" is a stall and an authority objection), by ordered keyword rules, one clause at a time.
`objection_for(text)` builds a complete, validated `content.Objection` for an objection that is not in
the library (a custom one, or one pasted into the generator) from its families' writing in
`data/families.yaml`, worded around the prospect's own words, so the prospect engines, the sparring
routine and the generator need no special case for it.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field

from closergym.content import DATA_DIR, FAMILIES, Objection, Persona, Strict, load_yaml

FAMILIES_FILE = DATA_DIR / "families.yaml"
DEFAULT_FAMILY = "stall"  # words with no family cue: something is unresolved and unsaid
MAX_SAID = 110  # the prospect's words quoted back, at most this long


class Curveball(Strict):
    line: str = Field(min_length=10)
    answer: str = Field(min_length=10)
    why: str = Field(min_length=10)


class Pushback(Strict):
    weak: list[str] = Field(min_length=2)
    strong: list[str] = Field(min_length=2)
    elite: list[str] = Field(min_length=2)


class AnswerBank(Strict):
    """The generator's sentences for each of the four moves, for this family."""
    acknowledge: list[str] = Field(min_length=2)
    clarify: list[str] = Field(min_length=2)
    respond: list[str] = Field(min_length=2)
    advance: list[str] = Field(min_length=2)


class Favour(Strict):
    """The other option is a favour from a relative or a friend: its own concern, questions and answers."""
    concern: str = Field(min_length=20)
    example: str = ""
    facts: list[str] = Field(min_length=2)
    questions: list[str] = Field(min_length=3)
    avoid: list[str] = Field(min_length=3)
    answer: AnswerBank


class FamilyWriting(Strict):
    title: str
    short: str = Field(max_length=30)
    emoji: str
    concern: str = Field(min_length=20)
    door: str = Field(min_length=10)
    line: str = Field(min_length=5)
    example: str = ""  # a claim the rep must replace with their own, in brackets
    facts: list[str] = Field(min_length=2)
    pushback: Pushback
    curveballs: list[Curveball] = Field(min_length=2)
    exits: list[str] = Field(min_length=2)
    personas: list[Persona] = Field(min_length=1)
    questions: list[str] = Field(min_length=3)
    avoid: list[str] = Field(min_length=3)
    answer: AnswerBank
    favour: Favour | None = None  # only where a favour can be the worry (competition)

    def bank(self, slots: dict[str, str]) -> AnswerBank:
        return self.favour.answer if self.favour and slots.get("helper") else self.answer


@lru_cache(maxsize=2)
def writing(path: Path = FAMILIES_FILE) -> dict[str, FamilyWriting]:
    """Every family's writing, validated; a family missing from the file is an error at load."""
    raw = load_yaml(path.read_text(encoding="utf-8"))
    loaded = {name: FamilyWriting.model_validate(body) for name, body in raw.items()}
    missing = set(FAMILIES) - set(loaded)
    unknown = set(loaded) - set(FAMILIES)
    if missing or unknown:
        raise ValueError(f"{path.name}: families missing {sorted(missing)}, unknown {sorted(unknown)}")
    return loaded


# -- reading the families in a sentence -------------------------------------------------------------

def _rule(*patterns: str) -> re.Pattern:
    return re.compile("|".join(patterns), re.IGNORECASE)


PEOPLE = (r"wife|husband|partner|spouse|boss|manager|board|cfo|ceo|cto|owner|director|committee|accountant|"
          r"it (?:team|department|guys)|procurement|legal(?: team)?|family|dad|mum|mom|father|mother|other half|"
          r"co-?founder|head office|headquarters|finance(?: team)?|lawyer|solicitor|landlord|superiors?|supervisor|"
          r"bank|investors?")
# Ordered: where two rules find the same words, the earlier one names the family.
RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("boundary", _rule(r"\b(?:take|get|put|strike) (?:me|us|my (?:name|number)) (?:off|out)\b", r"\bremove (?:me|us|my)\b",
                       r"\b(?:stop|don't|do not|never) (?:call|calling|contact|contacting|email|emailing|ring|phoning)\b",
                       r"\bleave (?:me|us) alone\b", r"\bpassed away\b", r"\b(?:funeral|bereave\w*|died|grieving)\b",
                       r"\bin (?:the )?hospital\b", r"\b(?:family|personal|medical) emergency\b", r"\bdiagnos\w*\b")),
    ("past_failure", _rule(r"\btried (?:it|this|that|something|one|them|a \w+|an \w+)\b.*\b(?:before|already|last)\b",
                           r"\btried (?:something like|that before|it before|this before)\b", r"\bburn(?:ed|t)\b",
                           r"\bgot stung\b", r"\bbad experience\b", r"\bdidn't work (?:out )?(?:last time|for us|before)\b",
                           r"\bnever again\b", r"\blast time\b", r"\bwent (?:badly|wrong)\b", r"\blet us down\b")),
    ("trust", _rule(r"\bscam\w*\b", r"\brip[- ]?offs?\b", r"\bcon (?:men|artists?)\b", r"\bcowboys?\b",
                    r"\b(?:don't|do not|can't|cannot|never) trust\b", r"\btrust (?:you|your|salespeople)\b",
                    r"\bsales ?(?:people|men|guys|reps?)\b", r"\bpushy\b", r"\btoo good to be true\b",
                    r"\b(?:bad |online |your )?reviews?\b", r"\bnever heard of (?:you|your)\b", r"\blegit\b",
                    r"\b(?:shady|dodgy|fly[- ]by[- ]night|crooks?|liars?)\b", r"\bdoor[- ]to[- ]door\b",
                    r"\b(?:too|so) (?:small|new|young)\b", r"\bstart-?up\b", r"\bwho (?:are|is) (?:you|your company)\b")),
    ("contract", _rule(r"\bcontracts?\b", r"\blocked in(?:to)?\b", r"\btied (?:in|into|up)\b", r"\bsigned (?:up )?with\b",
                       r"\bagreement\b", r"\brenewal\b", r"\bnotice period\b", r"\blease\b", r"\bcommitted to\b")),
    ("competition", _rule(r"\bcheaper\b", r"\bcompetitors?\b", r"\bcompetition\b",
                          r"\b(?:an)?other (?:vendors?|compan(?:y|ies)|quotes?|options?|suppliers?|providers?|firms?|"
                          r"agenc(?:y|ies)|contractors?|guys?|one)\b",
                          r"\bshopping around\b", r"\bcompar(?:e|ing)\b", r"\b(?:for|it) free\b", r"\bfree (?:version|one|tool)\b",
                          r"\b(?:brother|sister|father|son|daughter)-in-law\b", r"\b(?:cousin|nephew|niece|mate|buddy)\b",
                          r"\ba friend (?:who|does|of)\b", r"\bin-?house\b", r"\bourselves\b", r"\bdiy\b",
                          r"\b(?:lower|better) (?:price|quote|offer|deal)\b", r"\bbeat (?:that|their|the) price\b")),
    ("money", _rule(r"\b(?:too )?expensive\b", r"\bpric(?:e|ey|ing)\b", r"\bcosts?\b", r"\bbudgets?\b", r"\bafford\b",
                    r"\bmoney\b", r"\btoo much\b", r"\bcash\b", r"\bfunds?\b", r"\bfunding\b", r"\bfiscal\b",
                    r"\bspend\w*\b", r"\bpay (?:for|that|this|double|twice|more|extra)\b", r"\bdiscount\b", r"\bquote\b",
                    r"\bfees?\b")),
    ("authority", _rule(rf"\b(?:my|our|the|his|her|their) (?:business )?(?:{PEOPLE})\b", r"\bsign[- ]?off\b",
                        r"\bapprov\w*\b", r"\bdecision[- ]?makers?\b", r"\bnot (?:my|up to me|me who)\b",
                        r"\b(?:run|check|talk|speak|discuss) (?:it |this |that )?(?:by|with|past|over with|to) (?:my|our|the)\b",
                        r"\bask (?:my|our|the)\b", r"\bjoint decision\b", r"\bnot my (?:call|decision)\b")),
    ("timing", _rule(r"\bbusy\b", r"\bnot (?:right )?now\b", r"\b(?:not a good|bad|wrong) time\b", r"\btiming\b",
                     r"\blater\b", r"\bnext (?:week|month|quarter|year|season|spring|summer|autumn|fall|winter)\b",
                     r"\bcall (?:me )?back\b", r"\bin a (?:few|couple of) (?:weeks|months)\b", r"\bend of (?:the )?(?:year|quarter|month)\b",
                     r"\bswamped\b", r"\bslammed\b", r"\b(?:busy |peak |high )?season\b", r"\bhiring freeze\b", r"\bfreeze\b",
                     r"\blay-?offs?\b", r"\brestructur\w*\b", r"\bafter the (?:holidays|summer|new year)\b", r"\bno time\b")),
    ("risk", _rule(r"\bwork for (?:us|me|our|my)\b", r"\bhow do (?:i|we) know\b", r"\bwhat if (?:it|this) (?:doesn't|does not|fails)\b",
                   r"\brisk\w*\b", r"\bgamble\b", r"\bguarantee\w*\b", r"\bproof\b", r"\bprove\b", r"\bcase stud(?:y|ies)\b",
                   r"\bnot sure (?:it|this)(?:'ll| will| would) (?:work|fit)\b", r"\bour (?:industry|sector|business is different)\b",
                   r"\bdisrupt\w*\b", r"\bswitch(?:ing)? over\b", r"\bmigrat\w*\b", r"\b(?:too )?complicated\b", r"\blearning curve\b",
                   r"\bwon't work\b", r"\bdoubt (?:it|this)\b")),
    ("need", _rule(r"\b(?:don't|do not|dont) (?:really )?need\b", r"\bno need\b", r"\bnot (?:really )?interested\b",
                   r"\b(?:don't|do not) see (?:the|why|a|what)\b", r"\bnot a (?:problem|priority|need)\b",
                   r"\b(?:don't|do not) have (?:that|this|the|a) problem\b", r"\bwaste of\b", r"\bwhat's the point\b",
                   r"\bnot relevant\b", r"\bdoesn't apply\b", r"\bnever needed\b", r"\bwhy would (?:i|we) (?!pay\b|spend\b)")),
    ("status_quo", _rule(r"\bhappy (?:with|as)\b", r"\bfine (?:with|as)\b", r"\bworks? (?:fine|well|for us)\b",
                         r"\bwhat (?:we|i) (?:have|use|got)\b", r"\balready (?:have|use|got|work with)\b",
                         r"\bcurrent (?:provider|vendor|system|supplier|setup|one|company)\b", r"\balways done\b",
                         r"\bthe way we do\b", r"\bain't broke\b", r"\bnot broken\b", r"\bused to (?:it|our)\b", r"\bstick with\b")),
    ("stall", _rule(r"\bthink (?:about|it|this|that|on)\b", r"\bthink it over\b", r"\bsleep on\b", r"\bmull\b", r"\bconsider\b",
                    r"\bget back to you\b", r"\bnot ready\b", r"\bneed (?:some |more )?time\b", r"\bnot sure\b",
                    r"\bsend (?:me |us )?(?:some |more )?(?:info\w*|details|a brochure|an email|something|it over)\b",
                    r"\bemail me\b", r"\blook (?:it|this) over\b", r"\blet you know\b", r"\bmaybe\b", r"\bdecide later\b")),
)
CLAUSE_BREAK = re.compile(r"[.;!?]+\s*|,\s*|\s+(?:and|but|plus|also|then|so)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    family: str
    words: str  # the clause of the prospect's sentence that said it
    at: int  # where in the sentence it was said


def _clauses(text: str) -> list[tuple[int, str]]:
    found, start = [], 0
    for cut in CLAUSE_BREAK.finditer(text):
        found.append((start, text[start:cut.start()]))
        start = cut.end()
    found.append((start, text[start:]))
    return [(at, clause.strip()) for at, clause in found if clause.strip()]


def families_found(text: str) -> list[Found]:
    """Each family named in `text`, in the order it is said, with the clause that says it (may be empty)."""
    text = " ".join((text or "").replace("’", "'").split())
    found: dict[str, Found] = {}
    for at, clause in _clauses(text):
        for family, pattern in RULES:
            hit = pattern.search(clause)
            if hit and family not in found:
                found[family] = Found(family, clause, at + hit.start())
    return sorted(found.values(), key=lambda f: f.at)


def families_of(text: str) -> list[str]:
    """The families of an objection, in the order they are said; never empty (no cue: a stall)."""
    return [f.family for f in families_found(text)] or [DEFAULT_FAMILY]


# -- building a prospect ----------------------------------------------------------------------------

WHEN = ("Tuesday at 11", "Wednesday at 4", "Thursday at 9:30", "Friday morning", "Monday at 3",
        "tomorrow at 10:30", "Wednesday at 8:30", "Thursday at 1", "Friday at 11", "Tuesday afternoon")
WEAK = (
    ("No problem at all, take your time and let me know whenever you're ready!",
     "Accepts the objection with no question and no next step: the deal usually goes quiet."),
    ("I hear you. I can probably get you a discount if that helps.",
     "Discounts before knowing the real concern, which teaches the buyer your price was padding."),
    ("But you don't understand how much value you'd be getting from us.",
     "Argues with the prospect instead of getting curious about why they feel that way."),
    ("Totally, I'll send some information over and you can get back to me.",
     "Gives in to the brush-off: no question, no next step, and information rarely gets read."),
)
BARE_VERB = re.compile(r"(?:talk|speak|check|ask|run|discuss|think|look|see|wait|sort|get|clear|go over)\b")
KIN = re.compile(r"\b(?:wife|husband|spouse|brother|sister|cousin|nephew|niece|mum|mom|dad|father|mother|son|"
                 r"daughter|in-law|family|kids|neighbou?r)\b", re.IGNORECASE)
HELPER_RE = re.compile(  # "my brother-in-law", "a friend of mine", "my wife's cousin"
    r"\b(?:my|our|a) ((?:(?:wife|husband|partner)'s )?(?:(?:brother|sister|father|mother|son|daughter)-in-law|brother|"
    r"sister|cousin|nephew|niece|uncle|aunt|son|daughter|dad|father|mum|mom|friend|mate|buddy|pal|neighbou?r)s?)\b",
    re.IGNORECASE)
FAVOUR_RE = re.compile(  # ...who does it for them: for free, cheaply, or just "he'll sort it"
    r"\bfree\b|\bfor nothing\b|\bcheap\w*|\bmates?'? ?rates\b|\bfavou?r\b|\bno charge\b|"
    r"\b(?:does|do|did|doing) (?:it|this|that|these|those|them|ours|the (?:job|work))\b|"
    r"(?:\b(?:can|could|will|would|is going to|offered to)|'ll|'d) (?:\w+ )?(?:do|sort|handle|fix|install|set|build|"
    r"put|fit|take care of)\b|\bhandy\b|\bby trade\b", re.IGNORECASE)
FREE_RE = re.compile(r"\bfree\b|\bfor nothing\b|\bno charge\b", re.IGNORECASE)
CHEAP_RE = re.compile(r"\bcheap\w*|\bmates?'? ?rates\b|\bat cost\b", re.IGNORECASE)
WHO_RE = re.compile(rf"\b(?:my|our) ((?:business )?(?:{PEOPLE}))\b", re.IGNORECASE)


def said_words(text: str) -> str:
    """The prospect's words as they would quote themselves mid-sentence: one clause or sentence, no end stop."""
    text = " ".join((text or "").replace("’", "'").split())
    first = re.split(r"(?<=[.!?])\s+", text)[0].strip().rstrip(".!?,;: ")
    if len(first) > MAX_SAID:
        first = first[:MAX_SAID].rsplit(" ", 1)[0].rstrip(",;:")
    if first[:1].isupper() and not re.match(r"I\b|I'|[A-Z]{2}|[A-Z]\w*[A-Z]", first):
        first = first[:1].lower() + first[1:]
    if BARE_VERB.match(first):  # "talk to my wife" said back reads "I need to talk to my wife"
        first = "I need to " + first
    return first or "that"


def helper_of(text: str) -> str:
    """The relative or friend who would do it for them ("brother-in-law"), or "" when no favour is named."""
    text = " ".join((text or "").replace("’", "'").split())
    helper = HELPER_RE.search(text)
    if not helper or not FAVOUR_RE.search(text):
        return ""
    return helper.group(1).lower()


def favour_slots(text: str) -> dict[str, str]:
    person = helper_of(text)
    if not person:
        return {"helper": "", "their_helper": "", "my_helper": "", "doing": "", "deal": ""}
    deal = "for free" if FREE_RE.search(text) else "cheaply" if CHEAP_RE.search(text) else "as a favour"
    return {"helper": f"your {person}", "their_helper": f"their {person}", "my_helper": f"my {person}",
            "doing": f"doing it {deal}", "deal": deal}


def slots_for(text: str, *, product: str = "this", when: str = "Thursday at 9:30") -> dict[str, str]:
    who = WHO_RE.search(text or "")
    person = who.group(1).lower() if who else ""
    return {**favour_slots(text), "said": said_words(text), "who": f"my {person}" if person else "the person who signs off",
            "your_who": f"your {person}" if person else "the person who signs off",
            "their_who": f"their {person}" if person else "the person who signs off",
            "product": product, "when": when, "example": "", "the_price": "the price"}


# "on {when}" with a time that takes no "on": "go through it tomorrow at 10:30", never "on tomorrow at 10:30"
NO_ON = re.compile(r"(?:tomorrow|today|tonight|this|next|later)\b", re.IGNORECASE)


def fill(template: str, slots: dict[str, str]) -> str:
    """A template with its slots filled; a slot the template does not name is ignored."""
    if NO_ON.match(slots.get("when", "")):
        template = re.sub(r"\b[Oo]n \{when\}", "{when}", template)
    text = template.format_map(_Slots(slots))
    return text[:1].upper() + text[1:]


class _Slots(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _stable(text: str) -> int:
    return zlib.crc32(" ".join((text or "").lower().split()).encode("utf-8"))


def _personas(family: FamilyWriting, text: str) -> list[Persona]:
    """The family's prospects, the one whose world the objection names first ("roofing"), else a rotation by text."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    fitting = [p for p in family.personas if words & {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]{4,}", p.industry)}
               | (words & {w.lower() for w in re.findall(r"[A-Za-z]{4,}", p.industry)})]
    shift = _stable(text) % len(family.personas)
    rotated = list(family.personas[shift:]) + list(family.personas[:shift])
    if KIN.search(text):  # "my brother-in-law does this": a home or a small business, not a procurement desk
        rotated.sort(key=lambda p: not re.search(r"owner|homeowner", p.role, re.IGNORECASE))
    return fitting[:1] + [p for p in rotated if p not in fitting[:1]]


def compose_answer(families: list[str], slots: dict[str, str], rng: random.Random, *,
                   avoid: dict[str, str] | None = None) -> dict[str, str]:
    """An answer on the four moves for these families (the first leads; a second one gets its own question
    and its own answer). `avoid`: sentences already used, per move, for a second, different reply."""
    written = writing()
    lead, *more = [written[f] for f in families]
    avoid = avoid or {}

    def pick(bank: list[str], move: str, values: dict[str, str]) -> str:
        options = [fill(t, values) for t in bank]
        fresh = [o for o in options if o.lower() not in avoid.get(move, "").lower()]  # "As a homeowner, when..."
        return rng.choice(fresh or options)

    if "boundary" in families:  # a closed door: no question pushed, no pitch, no meeting, whatever else was said
        bank = written["boundary"].bank(slots)
        return {"acknowledge": pick(bank.acknowledge, "acknowledge", slots), "clarify": "",
                "respond": pick(bank.respond, "respond", slots), "advance": pick(bank.advance, "advance", slots)}
    lead_bank = lead.bank(slots)  # "my brother-in-law does it for free": the favour's answers, not a vendor's
    lead_example = lead.favour.example if lead_bank is not lead.answer else lead.example
    values = {**slots, "example": slots.get("example") or lead_example}
    parts = {move: pick(getattr(lead_bank, move), move, values)
             for move in ("acknowledge", "clarify", "respond", "advance")}
    for name, other in zip(families[1:2], more[:1], strict=False):
        # "sleep on it and talk to my wife": the wife gets her own question and her own answer
        other_bank = other.bank(slots)
        values = {**slots, "example": (other.favour.example if other_bank is not other.answer else other.example)
                  or lead_example}
        parts["clarify"] += " " + pick(other_bank.clarify, "clarify", values)
        said = pick(other_bank.respond, "respond", values)
        # a stall names no worry of its own: with a named one beside it, the answer is that one's
        parts["respond"] = said if families[0] == "stall" else parts["respond"] + " " + said
        if name == "authority":  # the next step brings the other person in
            parts["advance"] = pick(other_bank.advance, "advance", values)
    return parts


def _in_context(personas: list[Persona], role: str, product: str) -> list[Persona]:
    """The prospects, the first one in the rep's context: their role ("Homeowner") and what is sold to them
    ("Home solar panels") replace the family's ("Landscaping"); the one whose role it already is comes first."""
    role, product = " ".join(role.split())[:80], " ".join(product.split())[:80]
    if not role and not product:
        return personas
    first = next((p for p in personas if role and p.role.lower() == role.lower()), personas[0])
    placed = first.model_copy(update={"role": (role[:1].upper() + role[1:]) if len(role) >= 2 else first.role,
                                      "industry": (product[:1].upper() + product[1:]) if len(product) >= 2
                                      else first.industry})
    return [placed, *(p for p in personas if p is not first)]


def _concern(family: FamilyWriting, slots: dict, *, again: bool = False) -> str:
    """What is probably going on, opening on the prospect's words in quotes; `again`: those words were quoted
    already (one clause said two things), so it opens on "The same sentence" (an "It" there read as dangling,
    after the reading before it)."""
    written = (_favour(family, slots) or family).concern
    if again:
        written = written.replace('"{said}"', "The same sentence", 1)
    return fill(written, {**slots, "said": slots["said"][:1].upper() + slots["said"][1:]})


def objection_for(text: str, *, role: str = "", product: str = "") -> Objection:
    """A complete library-shaped objection for words that are not in the library: the families said in it
    lead, each worded around the clause that says it. Deterministic for a given text. `role` and `product`:
    the rep's context (the generator's), which the first prospect takes on."""
    written = writing()
    found = families_found(text) or [Found(DEFAULT_FAMILY, text, 0)]
    names = [f.family for f in found][:3]
    rng = random.Random(_stable(text))
    base = slots_for(text, when=rng.choice(WHEN))
    several = len(found) > 1  # one family: the whole sentence is its words; several: each its own clause
    worded = [(written[f.family], {**base, "said": said_words(f.words if several and len(f.words.split()) >= 3 else text)})
              for f in found[:3]]
    lead, lead_slots = worded[0]

    def each(attribute: str) -> list[str]:
        return [fill(line, slots) for family, slots in worded for line in attribute_of(family, attribute)]

    concern = " ".join(_concern(family, slots, again=slots["said"] in [s["said"] for _, s in worded[:index]])
                       for index, (family, slots) in enumerate(worded))
    curveballs = [(family, slots, ball) for family, slots in worded[1:] + worded[:1] for ball in family.curveballs]
    parts = compose_answer(names, base, rng)
    strong = compose_answer(names, base, rng, avoid=parts)
    weak_text, weak_why = rng.choice(WEAK)
    title = " ".join(text.split())
    title = title if len(title) <= 120 else title[:117].rsplit(" ", 1)[0] + "..."
    return Objection.model_validate({
        "slug": "custom-" + "-".join(n.replace("_", "-") for n in names),
        "title": title if len(title) >= 3 else lead.title,
        "short": lead.short,
        "emoji": lead.emoji,
        "category": names[0],
        "lines": [title if len(title) >= 3 else lead.line, lead.line],
        "real_concern": concern,
        "personas": [p.model_dump() for p in _in_context(_personas(lead, text), role, product)],
        "hidden_facts": [fill(line, slots) for family, slots in worded
                         for line in (_favour(family, slots) or family).facts],
        "pushback": {tier: each(f"pushback.{tier}") for tier in ("weak", "strong", "elite")},
        "exit_door": " ".join(fill(family.door, slots) for family, slots in worded),
        "exit_lines": [fill(line, slots) for family, slots in reversed(worded) for line in family.exits],
        "curveballs": [fill(ball.line, slots) for _, slots, ball in curveballs],
        "curveball_answers": [{"text": fill(ball.answer, slots), "why": ball.why} for _, slots, ball in curveballs],
        "rebuttals": {
            "weak": {"text": weak_text, "why": weak_why, "moves": []},
            "strong": {"text": " ".join(filter(None, (strong["acknowledge"], strong["clarify"]))),
                       "why": "It acknowledges the objection and asks a real question that finds the concern behind it, "
                              "but sets no next step.", "moves": ["acknowledge", "clarify"]},
            "elite": {"text": " ".join(filter(None, parts.values())),
                      "why": "It acknowledges, asks for the real concern, answers it without an invented claim, and "
                             "closes on a small, dated next step.", "moves": ["acknowledge", "clarify", "respond", "advance"]},
        },
        "follow_up_questions": _interleave([fill(q, slots) for q in (_favour(family, slots) or family).questions]
                                           for family, slots in worded)[:6],
        "avoid": _interleave([fill(a, slots) for a in (_favour(family, slots) or family).avoid]
                             for family, slots in worded)[:5],
    })


def _favour(family: FamilyWriting, slots: dict[str, str]) -> Favour | None:
    """The family's favour writing when the prospect names a relative or friend who would do it."""
    return family.favour if family.favour and slots.get("helper") else None


def attribute_of(family: FamilyWriting, attribute: str) -> list[str]:
    value = family
    for name in attribute.split("."):
        value = getattr(value, name)
    return list(value)


def _interleave(lists) -> list[str]:
    lists = [list(items) for items in lists]
    out: list[str] = []
    for row in range(max(map(len, lists), default=0)):
        for items in lists:
            if row < len(items) and items[row] not in out:
                out.append(items[row])
    return out
