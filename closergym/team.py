"""A team's own content: its product's facts and the objections it wrote itself.

A team (the instructors in bootcamp mode, or the one user in solo mode) describes its product once
(`Product`). `substitutions` turns those facts into the words the engine puts in a line; a fact the team did
not give becomes a placeholder the rep must fill ("[your proof point]"), never an invented claim. With a
product, `ground` swaps the generic claims of a model answer ("most customers tell us it pays for itself
within six months") for the team's own, so the better line, the prospect and the generator speak of the
team's product.

An authored objection is the same `content.Objection` as a shipped file, validated by the same model, kept in
SQLite (`store.save_team_content`) and round-tripped as YAML. `library_for` is the library a trainee trains
on: the shipped objections plus their team's, with the product attached (`Library.product`). Without a
product or an authored objection it is the shipped library itself, so the app works as before.
"""

from __future__ import annotations

import functools
import json
import random
import re
from dataclasses import dataclass, replace

import yaml
from pydantic import Field, ValidationError
from sqlite_utils import Database

from closergym import store
from closergym.content import (
    TIERS,
    Library,
    LoadError,
    Objection,
    Strict,
    TierLines,
    library,
    load_yaml,
)
from closergym.sparring import DAY_AND_TIME

MAX_UPLOAD = 64 * 1024  # bytes: an objection file is a few kilobytes; anything larger is refused unread
TEAM = "team"  # the owner of bootcamp content: the instructors', seen by every trainee of the server
PRODUCT_SLUG = "product"


class AuthoringError(ValueError):
    """Content that cannot be saved as it is; the message names the field. Nothing was changed."""


# -- the product ------------------------------------------------------------------------------------------


class Competitor(Strict):
    name: str = Field(min_length=1, max_length=80)
    difference: str = Field(min_length=3, max_length=300)


class Product(Strict):
    """The facts a team gives about what it sells. Only `name` and `what` are required."""

    name: str = Field(min_length=1, max_length=80)
    what: str = Field(min_length=3, max_length=400)
    price: str = Field(default="", max_length=120)
    terms: str = Field(default="", max_length=200)
    proof_points: list[str] = Field(default_factory=list, max_length=10)
    customers: list[str] = Field(default_factory=list, max_length=20)
    competitors: list[Competitor] = Field(default_factory=list, max_length=10)
    buyers: list[str] = Field(default_factory=list, max_length=10)


PLACEHOLDERS = {
    "product": "[your product]",
    "what": "[what it does]",
    "price": "[your price]",
    "terms": "[your terms]",
    "proof": "[your proof point]",
    "customer": "[a customer like them]",
    "competitor": "[the other vendor]",
    "difference": "[how you differ]",
    "buyer": "[your typical buyer]",
}


def substitutions(product: Product | None) -> dict[str, str]:
    """The words for each `{token}` a line may hold: the product's fact, or a placeholder marked as one."""
    if product is None:
        return dict(PLACEHOLDERS)
    first_rival = product.competitors[0] if product.competitors else None
    facts = {
        "product": product.name,
        "what": product.what.rstrip("."),
        "price": product.price.rstrip("."),
        "terms": product.terms.rstrip("."),
        "proof": product.proof_points[0].rstrip(".") if product.proof_points else "",
        "customer": product.customers[0] if product.customers else "",
        "competitor": first_rival.name if first_rival else "",
        "difference": first_rival.difference.rstrip(".") if first_rival else "",
        "buyer": product.buyers[0] if product.buyers else "",
    }
    return {key: value or PLACEHOLDERS[key] for key, value in facts.items()}


TOKEN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def fill(text: str, subs: dict[str, str]) -> str:
    """`{product}`, `{proof}`... in an authored line, replaced by the product's facts (or placeholders)."""
    return TOKEN.sub(lambda match: subs[match.group(1)], text)


# The claim a better line makes about the product, by the objection's family: only the team's facts, each
# part a whole sentence whatever words the team typed (`{What}`: what it does; `{Proof}`: the first proof point).
CLAIM_BY_FAMILY = {
    "money": "{product} costs {price} ({terms}). {Proof}",
    "competition": "Where we differ from {competitor}: {difference}. {Proof}",
    "risk": "{Proof} You would have it on these terms: {terms}.",
    "contract": "{product} costs {price} ({terms}).",
}
CLAIM = "{What} {Proof}"

SUBJECTS = {"we", "we're", "we've", "we'll", "it", "it's", "its", "our", "they", "you", "you'll", "i", "i'm", "this",
            "everyone", "every", "each", "customers", "clients", "homeowners"}
# Verbs a 'what it does' line often opens with ("automates bookkeeping", "install solar"): base forms. A word
# that also starts a noun ("heat pumps", "clean energy") is left out: such a line is read as a noun phrase.
VERBS = frozenset(re.split(r"\s+", """
answer automate bill book bring build check close coach collect compare connect cover create cut deliver design do
export find fix generate get give grow handle help hire host import insure install integrate keep let link lower
make manage match measure monitor move offer organise organize pay plan prepare process produce protect provide
publish reconcile recover recruit reduce remove rent repair replace run save schedule sell send serve ship show
simplify sort speed stop store streamline supply support sync take teach track train transcribe translate turn
unify update upgrade wash write see spend finish win lose cost earn rate love stay renew""".strip()))
NOT_AFTER_VERB = {"with", "for", "and", "or", "of", "in", "on", "at", "from", "that", "which", "to", "by", "&", "+"}
NOUNS_IN_S = {"sales", "news", "series", "analytics", "logistics", "ethics", "physics", "payments", "services",
              "solutions", "tools", "systems", "products", "lessons", "classes", "glass", "plans", "kits", "parts"}
DETERMINERS = {"a", "an", "the", "our", "your", "their", "its", "of", "from", "per", "more", "fewer", "no"}
FINITE = re.compile(r"\b(?:is|are|was|were|has|have|had|does|did|can|could|will|would|got|gets|went|took|"
                    r"\w+ed|\w+'s|\w+'re|\w+'ve)\b", re.IGNORECASE)


def _third_person(verb: str) -> str:
    if verb in ("do", "go"):
        return verb + "es"
    if re.search(r"(?:s|sh|ch|x|z)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def _verb_form(word: str) -> str | None:
    """'base' (automate), 'third' (automates) or None (not a verb this list knows)."""
    if word in VERBS:
        return "base"
    if word in NOUNS_IN_S:
        return None
    if any(_third_person(verb) == word for verb in VERBS):
        return "third"
    return None


def _plain_start(text: str) -> str:
    """A phrase's first letter lower-cased unless it opens a name or an acronym ("CRM", "QuickBooks")."""
    first = text.split()[0] if text.split() else ""
    if len(first) > 1 and (first[1:].lower() != first[1:] or not first[:1].isalpha()):
        return text
    return text[:1].lower() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(" ,;:")
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def what_sentence(name: str, what: str) -> str:
    """What the product does as a whole sentence naming it, whether the team typed a sentence ("We install
    solar in two days"), a verb phrase ("automates bookkeeping", "install solar panels") or a noun phrase
    ("rooftop solar panels with a home battery")."""
    what = " ".join(what.split()).rstrip(" .!")
    if what.startswith("[") or not what:  # a placeholder
        return f"{name}: {what}."
    words = re.findall(r"[\w'&+-]+|,", what.lower())
    first, after = words[0], (words[1] if len(words) > 1 else "")
    if first in SUBJECTS or first == name.split()[0].lower():
        return _sentence(what)
    if first == "to" and _verb_form(after) == "base":
        return f"{name} is made {what[:1].lower()}{what[1:]}."
    form = _verb_form(first) if after not in NOT_AFTER_VERB and after != "," else None
    if form == "third":
        return f"{name} {what[:1].lower()}{what[1:]}."
    if form == "base":
        return f"{name} {_third_person(first)}{what[len(first):]}."
    phrase = _plain_start(what)
    if first in ("a", "an", "the", "one"):
        return f"{name} is {phrase}."
    return f"{name} offers {phrase}."


def proof_sentence(proof: str) -> str:
    """A proof point as a sentence: as typed when it has a verb ("the average homeowner saves $95 a month"),
    else introduced ("Here is one result: 4.8 stars from 1,200 installs.")."""
    proof = " ".join(proof.split()).rstrip(" .")
    if proof.startswith("["):  # a placeholder
        return proof + "."
    words = re.findall(r"[\w'-]+", proof.lower())
    verbs = [word for before, word in zip(words, words[1:], strict=False)
             if _verb_form(word) and not before.isdigit() and before not in DETERMINERS]
    if FINITE.search(proof) or verbs or (words and words[0] in SUBJECTS):
        return _sentence(proof)
    return f"Here is one result: {_plain_start(proof)}."


def claim_line(product: Product | None, family: str | None) -> str:
    """One or two sentences of the team's own claims for an objection of `family` (placeholders for the
    facts not given)."""
    subs = substitutions(product)
    subs["What"] = what_sentence(subs["product"], subs["what"])
    subs["Proof"] = proof_sentence(subs["proof"])
    template = CLAIM_BY_FAMILY.get(family or "", CLAIM)
    return re.sub(r"\{(\w+)\}", lambda match: subs[match.group(1)], template)


SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
# What makes a sentence a claim about results or the offer: a number, money, a share, or what customers got.
CLAIMS = re.compile(r"\d|%|[$€£]|\b(?:percent|dollars?|euros?|pounds?|customers?|clients?|most|on average|"
                    r"typically|usually|pays? (?:for itself|back)|paid for itself|guarantee\w*|refund|trial|"
                    r"payments?|hours?|days?|weeks?|months?|years?|twelfth|half|twice)\b", re.IGNORECASE)
# A meeting's length and time are not claims: "15 minutes on Thursday at 10", "a 20-minute call", "ten minutes".
NOT_CLAIMS = re.compile(r"\b(?:\d+|a|one|two|five|ten|fifteen|twenty|thirty)[\s-]*(?:minutes?|mins?)\b|"
                        r"\bat \d{1,2}(?:[:.]\d\d)?\b", re.IGNORECASE)


# An answer's opening sentence acknowledges ("That's fair, a year is a sensible limit.", "you shouldn't have to
# ask twice"): there only a number, money or what customers got is a claim.
OPENING_CLAIMS = re.compile(r"\d|%|[$€£]|\b(?:percent|dollars?|euros?|pounds?|customers?|clients?|"
                            r"pays? (?:for itself|back)|paid for itself|guarantee\w*|refund|trial)\b", re.IGNORECASE)


def makes_claim(sentence: str, *, opening: bool = False) -> bool:
    """Whether a sentence of a model answer states a result or a term (a question or a meeting time does not)."""
    if sentence.strip().endswith("?"):
        return False
    said = NOT_CLAIMS.sub(" ", DAY_AND_TIME.sub(" ", sentence))
    return (OPENING_CLAIMS if opening else CLAIMS).search(said) is not None


NO_PITCH = {"boundary"}  # a request to stop, or a personal situation: the answer honours it and sells nothing


def ground(text: str, product: Product | None, family: str | None) -> str:
    """A model answer with its generic claims replaced by the team's (once, where the first claim stood);
    unchanged without a product, without a claim, or to a prospect who asked to stop (`NO_PITCH`)."""
    if product is None or family in NO_PITCH:
        return text
    sentences = [piece.strip() for piece in SENTENCE.findall(" ".join(text.split())) if piece.strip()]
    kept, replaced = [], False
    for number, sentence in enumerate(sentences):
        if not makes_claim(sentence, opening=number == 0):
            kept.append(sentence)
        elif not replaced:
            kept.append(claim_line(product, family))
            replaced = True
    return " ".join(kept) if replaced else text


def grounded_objection(objection: Objection, product: Product | None, *, authored: bool = False) -> Objection:
    """An objection as a team with `product` trains on it: tokens filled (authored ones), and the model
    answers and curveball answers making the team's claims instead of generic ones."""
    data = objection.model_dump()
    if authored:
        data = _fill_all(data, substitutions(product))
        for key in ("hidden_facts", "curveballs"):  # the prospect's own words, said by the prospect
            data[key] = [first_person(line) for line in data[key]]
    if product is not None:
        for answer in [data["rebuttals"]["strong"], data["rebuttals"]["elite"], *data["curveball_answers"]]:
            grounded = ground(answer["text"], product, objection.category)
            if grounded != answer["text"]:  # its why told of the claims it no longer makes
                answer["text"], answer["why"] = grounded, grounded_why(grounded, product, objection.category)
    return Objection.model_validate(data)


def grounded_why(text: str, product: Product, family: str | None) -> str:
    """Why a grounded model answer works, told from what it now says: what comes before the team's claim
    (a statement acknowledges, a question asks), the claim, and the question after it (a next step)."""
    claim = claim_line(product, family)
    before, _, after = " ".join(text.split()).partition(claim)
    sentences = [piece.strip() for piece in SENTENCE.findall(before) if piece.strip()]
    questions = [piece.strip() for piece in SENTENCE.findall(after) if piece.strip().endswith("?")]
    closing = questions[-1:]
    parts = []
    if any(not sentence.endswith("?") for sentence in sentences):
        parts.append("acknowledges the concern")
    if any(sentence.endswith("?") for sentence in sentences) or questions[:-1]:
        parts.append("asks what sits behind it")
    parts.append(f"answers with the facts of {product.name} rather than a generic claim")
    if closing:
        dated = DAY_AND_TIME.search(closing[-1]) or NOT_CLAIMS.search(closing[-1])
        parts.append("proposes a dated next step" if dated else "asks for a next step")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]
    return f"It {listed}."


THIRD_PERSON = {"they": "we", "their": "our", "them": "us", "theirs": "ours", "themselves": "ourselves",
                "they're": "we're", "they've": "we've", "they'll": "we'll", "they'd": "we'd"}
_THIRD_PERSON = re.compile(r"\b(?:" + "|".join(sorted((re.escape(w) for w in THIRD_PERSON), key=len, reverse=True)) +
                           r")\b", re.IGNORECASE)


def first_person(line: str) -> str:
    """A hidden fact or curveball written about the buyer ("Their lease runs another five years.") as the buyer says
    it ("Our lease runs another five years."). A line that starts any other way keeps its words."""
    if not re.match(r"(?:(?:and|also|but),? )?(?:they|their|them)\b", line.strip(), re.IGNORECASE):
        return line

    def swap(found: re.Match) -> str:
        word = THIRD_PERSON[found.group().lower()]
        return word[:1].upper() + word[1:] if found.group()[:1].isupper() else word

    return _THIRD_PERSON.sub(swap, line)


def _fill_all(value, subs):
    if isinstance(value, str):
        return fill(value, subs)
    if isinstance(value, list):
        return [_fill_all(item, subs) for item in value]
    if isinstance(value, dict):
        return {key: _fill_all(item, subs) for key, item in value.items()}
    return value


def product_facts(product: Product) -> list[str]:
    """The product as lines for a prompt (the LLM prospect's, the generator's)."""
    lines = [f"{product.name}: {product.what}"]
    if product.price or product.terms:
        lines.append("Price and terms: " + "; ".join(part for part in (product.price, product.terms) if part))
    lines += [f"Proof point: {point}" for point in product.proof_points]
    if product.customers:
        lines.append("Customers: " + ", ".join(product.customers))
    lines += [f"Competitor {rival.name}: {rival.difference}" for rival in product.competitors]
    if product.buyers:
        lines.append("Typical buyers: " + ", ".join(product.buyers))
    return lines


def product_messages(messages: list[dict], product: Product | None) -> list[dict]:
    """An LLM's messages with the team's facts as the only claims it may make (unchanged without a product)."""
    if product is None:
        return messages
    rule = (" The product's facts arrive between <product> tags: make only claims found there; where a fact "
            "is missing, write a placeholder in brackets such as [your proof point], never a made-up number.")
    facts = "\n<product>" + "\n".join(product_facts(product)) + "</product>"
    return [{**messages[0], "content": messages[0]["content"] + rule},
            *messages[1:-1], {**messages[-1], "content": messages[-1]["content"] + facts}]


def product_context(product: Product | None, context: dict[str, str]) -> dict[str, str]:
    """The generator's context with the product's name, price and first buyer where the user gave none."""
    if product is None:
        return context
    given = {"product": product.name[:120], "price": product.price[:120],
             "role": product.buyers[0][:120] if product.buyers else ""}
    return {**{key: value for key, value in given.items() if value}, **{k: v for k, v in context.items() if v}}


# -- authored objections: parse, YAML, preview -------------------------------------------------------------


def parse_objection(raw: object, *, shipped: Library | None = None) -> Objection:
    """Validate an authored objection exactly as a shipped file is; its slug must not be a shipped one."""
    if not isinstance(raw, dict):
        raise AuthoringError("expected a mapping of fields at the top of the file")
    try:
        objection = Objection.model_validate(raw)
    except ValidationError as error:
        raise AuthoringError(file_errors(error)) from None
    if objection.slug in (shipped or library()).objections:
        raise AuthoringError(f"slug: “{objection.slug}” is already a library objection; pick another.")
    return objection


def parse_product(raw: object) -> Product:
    if not isinstance(raw, dict):
        raise AuthoringError("expected a mapping of fields")
    try:
        return Product.model_validate(raw)
    except ValidationError as error:
        raise AuthoringError(file_errors(error)) from None


def to_yaml(objection: Objection) -> str:
    return yaml.safe_dump(objection.model_dump(exclude_none=True), sort_keys=False, allow_unicode=True, width=110)


def from_yaml(data: bytes | str, *, shipped: Library | None = None) -> Objection:
    """An uploaded objection file: bounded in size before it is read, then validated (`AuthoringError`)."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_UPLOAD:
        raise AuthoringError(f"the file is {size / 1024:,.0f} KB; an objection file is at most {MAX_UPLOAD // 1024} KB")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        raw = load_yaml(text)
    except UnicodeDecodeError:
        raise AuthoringError("the file is not UTF-8 text") from None
    except yaml.YAMLError as error:
        raise AuthoringError(yaml_problem(error)) from None
    return parse_objection(raw, shipped=shipped)


@dataclass(frozen=True)
class Preview:
    opening: str
    sample: str
    tier: str
    reply: str
    better: str


def preview(objection: Objection, sample: str, *, product: Product | None = None, seed: int = 7) -> Preview:
    """The objection as a sparring session would open it, and the built-in prospect's reply to a sample
    answer (graded by the same rubric), before anything is saved."""
    from closergym.grading import grade_rebuttal
    from closergym.sessions import advance, check_rebuttal

    ready = grounded_objection(objection, product, authored=True)
    lib = _merge(library(), product, (ready,), grounded=True)
    rng = random.Random(seed)
    opening = rng.choice(ready.lines)
    text = check_rebuttal(sample)
    grade = grade_rebuttal(opening, text, objection_slug=ready.slug, lib=lib)
    _, reply = advance(None, grade, kind="drill", rebuttal=text, objection=ready, rng=rng)
    return Preview(opening, text, grade.tier, reply, grade.feedback.better)


# -- storage and the trainee's library ----------------------------------------------------------------------


def owner_for(trainee_id: int | None, *, bootcamp: bool) -> str:
    """Whose content a user writes by default: the instructors' for every cohort in bootcamp mode (`TEAM`),
    their own in solo mode. An instructor may also write for one cohort (`cohort_owner`)."""
    return TEAM if bootcamp else f"trainee:{trainee_id}"


def cohort_owner(cohort_id: int) -> str:
    return f"cohort:{cohort_id}"


def owners_for(db: Database, trainee_id: int | None, *, bootcamp: bool) -> list[str]:
    """Whose content a trainee trains on, the most general first: in solo mode their own; in bootcamp mode the
    instructors' for every cohort, then the instructors' for each cohort the trainee is in."""
    if not bootcamp:
        return [owner_for(trainee_id, bootcamp=False)]
    cohort_ids = [row["cohort_id"] for row in db.query(
        "SELECT cohort_id FROM cohort_members WHERE trainee_id = ? ORDER BY cohort_id", [trainee_id])] \
        if trainee_id is not None and "cohort_members" in db.table_names() else []
    return [TEAM, *(cohort_owner(cohort_id) for cohort_id in cohort_ids)]


def _rows(db: Database, owner: str, kind: str) -> list[dict]:
    if "team_content" not in db.table_names():
        return []
    return list(db.query("SELECT kind, slug, body FROM team_content WHERE owner = ? AND kind = ? ORDER BY slug",
                         [owner, kind]))


def get_product(db: Database, owner: str) -> Product | None:
    rows = _rows(db, owner, "product")
    return Product.model_validate(json.loads(rows[0]["body"])) if rows else None


def authored(db: Database, owner: str) -> list[Objection]:
    """The owner's objections as written (tokens unfilled), in slug order."""
    return [Objection.model_validate(json.loads(row["body"])) for row in _rows(db, owner, "objection")]


def save_product(db: Database, owner: str, product: Product) -> None:
    store.save_team_content(db, owner=owner, kind="product", slug=PRODUCT_SLUG, body=product.model_dump())


def save_objection(db: Database, owner: str, objection: Objection) -> None:
    parse_objection(objection.model_dump())  # a slug taken by the shipped library since it was checked
    store.save_team_content(db, owner=owner, kind="objection", slug=objection.slug,
                            body=objection.model_dump(exclude_none=True))


def delete_objection(db: Database, owner: str, slug: str) -> None:
    store.delete_team_content(db, owner=owner, kind="objection", slug=slug)


def library_for(db: Database, trainee_id: int | None, *, bootcamp: bool) -> Library:
    """The library this trainee trains on: shipped + their team's objections, with the team's product (a
    cohort's own product and objections over the ones for every cohort)."""
    rows = [row for owner in owners_for(db, trainee_id, bootcamp=bootcamp)
            for row in _rows(db, owner, "product") + _rows(db, owner, "objection")]
    if not rows:
        return library()
    return _cached(tuple((row["kind"], row["body"]) for row in rows))


@functools.lru_cache(maxsize=32)
def _cached(rows: tuple[tuple[str, str], ...]) -> Library:
    """One Library object per version of a team's content, so the grader's caches (kept per library) hold."""
    products = [Product.model_validate(json.loads(body)) for kind, body in rows if kind == "product"]
    objections = {}
    for kind, body in rows:
        if kind == "objection":
            objection = Objection.model_validate(json.loads(body))
            objections[objection.slug] = objection  # a cohort's own over the one for every cohort
    return _merge(library(), products[-1] if products else None, tuple(objections.values()))


def _merge(shipped: Library, product: Product | None, objections: tuple[Objection, ...], *,
           grounded: bool = False) -> Library:
    merged = dict(shipped.objections) if product is None else \
        {slug: grounded_objection(o, product) for slug, o in shipped.objections.items()}
    errors = list(shipped.errors)
    for objection in objections:
        if objection.slug in merged:  # a shipped objection took this slug since it was written
            errors.append(LoadError(f"your objection '{objection.slug}'", "a library objection now has this slug"))
            continue
        merged[objection.slug] = objection if grounded else grounded_objection(objection, product, authored=True)
    return replace(shipped, objections=merged, errors=tuple(errors), product=product)


# -- the authoring form's text boxes <-> the models ----------------------------------------------------------

LIST_FIELDS = ("lines", "aliases", "hidden_facts", "exit_lines", "curveballs", "follow_up_questions", "avoid")
SEPARATOR = " | "


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _split(line: str, parts: int) -> list[str]:
    pieces = [piece.strip() for piece in line.split("|")]
    return (pieces + [""] * parts)[:parts] if len(pieces) <= parts else pieces[:parts - 1] + [" | ".join(pieces[parts - 1:])]


def objection_from_form(fields: dict[str, object]) -> dict:
    """The form's boxes as the fields of an `Objection` (one item a line; `a | b` for the parts of one item).
    Validation is `parse_objection`'s, so a problem is named by the same field as in a YAML file."""
    raw: dict[str, object] = {key: str(fields.get(key) or "").strip()
                              for key in ("slug", "title", "short", "emoji", "category", "real_concern", "exit_door")}
    raw["emoji"] = raw["emoji"] or "🗣️"
    raw.update({key: _lines(str(fields.get(key) or "")) for key in LIST_FIELDS})
    raw["personas"] = [dict(zip(("name", "role", "industry", "mood"), _split(line, 4), strict=True))
                       for line in _lines(str(fields.get("personas") or ""))]
    raw["curveball_answers"] = [dict(zip(("text", "why"), _split(line, 2), strict=True))
                                for line in _lines(str(fields.get("curveball_answers") or ""))]
    raw["pushback"] = {tier: _lines(str(fields.get(f"pushback_{tier}") or "")) for tier in ("weak", "strong", "elite")}
    raw["rebuttals"] = {tier: {"text": str(fields.get(f"rebuttal_{tier}") or "").strip(),
                               "why": str(fields.get(f"why_{tier}") or "").strip(),
                               "moves": list(fields.get(f"moves_{tier}") or [])} for tier in ("weak", "strong", "elite")}
    return raw


def form_fields(objection: Objection | dict) -> dict[str, object]:
    """An objection as the form's boxes (to start from an example, or to edit one)."""
    data = objection.model_dump() if isinstance(objection, Objection) else objection
    fields: dict[str, object] = {key: data.get(key) or "" for key in
                                 ("slug", "title", "short", "emoji", "category", "real_concern", "exit_door")}
    fields.update({key: "\n".join(data.get(key) or []) for key in LIST_FIELDS})
    fields["personas"] = "\n".join(SEPARATOR.join(p[k] for k in ("name", "role", "industry", "mood"))
                                   for p in data.get("personas") or [])
    fields["curveball_answers"] = "\n".join(f"{a['text']}{SEPARATOR}{a['why']}" for a in data.get("curveball_answers") or [])
    for tier in ("weak", "strong", "elite"):
        fields[f"pushback_{tier}"] = "\n".join((data.get("pushback") or {}).get(tier) or [])
        rebuttal = (data.get("rebuttals") or {}).get(tier) or {}
        fields[f"rebuttal_{tier}"] = rebuttal.get("text", "")
        fields[f"why_{tier}"] = rebuttal.get("why", "")
        fields[f"moves_{tier}"] = list(rebuttal.get("moves") or [])
    return fields


def product_from_form(fields: dict[str, str]) -> Product:
    raw = {key: str(fields.get(key) or "").strip() for key in ("name", "what", "price", "terms")}
    raw.update({key: _lines(str(fields.get(key) or "")) for key in ("proof_points", "customers", "buyers")})
    raw["competitors"] = [_competitor(line) for line in _lines(str(fields.get("competitors") or ""))]
    try:
        return Product.model_validate(raw)
    except ValidationError as error:
        raise AuthoringError(plain_errors(error)) from None


def _competitor(line: str) -> dict[str, str]:
    """'Name | how you differ' or 'Name: how you differ' (a bare name leaves the difference empty)."""
    name, _, difference = line.partition("|") if "|" in line else line.partition(":")
    return {"name": name.strip(), "difference": difference.strip()}


def product_fields(product: Product | None) -> dict[str, str]:
    if product is None:
        return dict.fromkeys(("name", "what", "price", "terms", "proof_points", "customers", "buyers", "competitors"), "")
    return {"name": product.name, "what": product.what, "price": product.price, "terms": product.terms,
            "proof_points": "\n".join(product.proof_points), "customers": "\n".join(product.customers),
            "buyers": "\n".join(product.buyers),
            "competitors": "\n".join(f"{c.name}{SEPARATOR if ':' in c.name else ': '}{c.difference}"
                                      for c in product.competitors)}


# -- the form's words: each box's label, its minimum, and a refusal as plain sentences ----------------------

def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


LABELS = {
    "slug": "Slug (its address: lower-case words and dashes)", "title": "Title (the objection in a sentence)",
    "short": "Short name", "emoji": "Emoji", "category": "Family",
    "lines": "How prospects say it (opening lines)", "aliases": "Other wordings (optional)",
    "real_concern": "The real concern behind it", "personas": "Personas",
    "hidden_facts": "Hidden facts (revealed to good questions)",
    **{f"pushback.{tier}": f"Pushback after {_article(tier)} {tier} answer" for tier in TIERS},
    "exit_door": "Exit door (what moves this prospect)", "exit_lines": "Exit lines (agreeing to a next step)",
    "curveballs": "Curveballs", "curveball_answers": "Answers to the curveballs, in the same order",
    **{f"rebuttals.{tier}.text": f"Model answer: {tier}" for tier in TIERS},
    **{f"rebuttals.{tier}.why": f"Why it is {tier}" for tier in TIERS},
    **{f"rebuttals.{tier}.moves": f"Moves of the {tier} answer" for tier in TIERS},
    "follow_up_questions": "Follow-up questions", "avoid": "What to avoid",
    # the product's
    "name": "Product name", "what": "What it does", "price": "Price", "terms": "Terms",
    "proof_points": "Proof points (numbers, results)", "customers": "Customers you can name",
    "competitors": "Competitors and how you differ", "buyers": "Typical buyers",
}
# The parts of one line of a box that holds several ("Name | role | industry | mood")
PARTS = {"personas": "Name | role | industry | mood", "curveball_answers": "Answer | why",
         "competitors": "Name: how you differ"}
PART_NAMES = {"difference": "how you differ", "text": "the answer"}


def minimum(field: str) -> int:
    """How many lines a list box needs (0: optional), read from the model that validates it."""
    model, name = (TierLines, field.split(".")[1]) if field.startswith("pushback.") else \
        (Objection if field in Objection.model_fields else Product, field)
    info = model.model_fields.get(name)
    return next((getattr(rule, "min_length", 0) for rule in (info.metadata if info else [])
                 if hasattr(rule, "min_length")), 0)


def hint(field: str) -> str:
    """What a list box needs, said up front: "at least 2, one a line" (with the parts of a line)."""
    least = minimum(field)
    words = (f"at least {least}, one a line" if least else "one a line")
    return f"{words}: {PARTS[field]}" if field in PARTS else words


def plain_errors(error: ValidationError) -> str:
    """A refusal as sentences naming each box by its label: "Pushback after a weak answer: write at least 2
    lines (you wrote 1)."."""
    said: list[str] = []
    missing: dict[str, tuple[list[str], str]] = {}  # a line's parts left empty, said once: "the role and the mood"
    for problem in error.errors():
        loc = [str(piece) for piece in problem["loc"]]
        line = next((int(piece) for piece in loc if piece.isdigit()), None)
        field = ".".join(piece for piece in loc if not piece.isdigit())
        part = loc[-1] if line is not None and len(loc) > 2 else None
        if not field and problem["type"] == "value_error":  # the model's own rule names its field first
            field, _, rest = problem["msg"].removeprefix("Value error, ").partition(": ")
            said.append(f"{LABELS.get(field, field)}: {rest}.")
            continue
        label = LABELS.get(field) or LABELS.get(field.rsplit(".", 1)[0]) or field
        if part:
            field = field.rsplit(".", 1)[0]
            label = f"{LABELS.get(field, field)}, line {line + 1}"
            if problem["type"] in ("string_too_short", "missing") and not str(problem.get("input") or "").strip():
                if label not in missing:
                    said.append(label)  # its sentence is written once every part is known
                missing.setdefault(label, ([], field))[0].append(PART_NAMES.get(part, "the " + part))
                continue
        said.append(f"{label}: {_plainly(problem, part, field)}")
    for label, (parts, field) in missing.items():
        names = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        shape = f" (write {PARTS[field]})" if field in PARTS else ""
        said[said.index(label)] = f"{label}: {names} {'is' if len(parts) == 1 else 'are'} missing{shape}."
    return "\n".join(dict.fromkeys(said))


SHOWN_FILE_PROBLEMS = 6


def file_errors(error: ValidationError) -> str:
    """A refused YAML file in sentences naming each field as the file writes it: "personas.0.mood: this is
    missing."."""
    said = []
    for problem in error.errors():
        loc = [str(piece) for piece in problem["loc"]]
        field = ".".join(piece for piece in loc if not piece.isdigit())
        part = loc[-1] if len(loc) > 2 and any(piece.isdigit() for piece in loc) else None
        said.append(f"{'.'.join(loc) or 'the file'}: {_plainly(problem, part, field.rsplit('.', 1)[0] if part else field)}")
    more = len(said) - SHOWN_FILE_PROBLEMS
    return "\n".join(said[:SHOWN_FILE_PROBLEMS] + ([f"and {more} more."] if more > 0 else []))


def yaml_problem(error: yaml.YAMLError) -> str:
    """A file PyYAML cannot read, said with where: "not valid YAML: the key “slug” is written twice (line 3)"."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    if "flow level" in str(error):
        problem = "it nests brackets too deeply"
    return f"not valid YAML: {problem}" + (f" (line {mark.line + 1})" if mark else "") + "."


def _plainly(problem: dict, part: str | None, field: str) -> str:
    kind, ctx = problem["type"], problem.get("ctx") or {}
    shape = f" (write {PARTS[field]})" if field in PARTS else ""
    if kind == "too_short":
        least, wrote = ctx.get("min_length"), ctx.get("actual_length")
        return f"write at least {least} line{'s' if least != 1 else ''} (you wrote {wrote})."
    if kind == "string_too_short":
        what = f"the {part}" if part else "this"
        if not str(problem.get("input") or "").strip():
            return f"{what} is empty; write at least {ctx.get('min_length')} characters{shape}."
        return f"{what} is too short; write at least {ctx.get('min_length')} characters{shape}."
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} lines."
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters."
    if kind == "string_pattern_mismatch":
        return "use lower-case letters, digits and single dashes between words, e.g. our-audit-fear."
    if kind == "literal_error":
        return "pick one from the list."
    if kind == "missing":
        return "this is missing."
    if kind == "extra_forbidden":
        return "not a field this file takes."
    return problem["msg"].removeprefix("Value error, ").replace("Input should be", "should be") + "."


def parse_form(fields: dict[str, object], *, shipped: Library | None = None) -> Objection:
    """The objection form's boxes as an `Objection`, refused (`AuthoringError`) in sentences naming each box
    by its label, as the user sees it."""
    try:
        objection = Objection.model_validate(objection_from_form(fields))
    except ValidationError as error:
        raise AuthoringError(plain_errors(error)) from None
    if objection.slug in (shipped or library()).objections:
        raise AuthoringError(f"{LABELS['slug']}: “{objection.slug}” is already a library objection; pick another.")
    return objection
