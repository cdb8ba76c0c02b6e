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
    Library,
    LoadError,
    Objection,
    Strict,
    describe_validation_error,
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


# The claim a better line makes about the product, by the objection's family: only the team's facts.
CLAIM_BY_FAMILY = {
    "money": "{product} is {price}, {terms}. {Proof}.",
    "competition": "Where we differ from {competitor}: {difference}. {Proof}.",
    "risk": "{Proof}, and {terms}.",
    "contract": "{product} is {price}, {terms}.",
}
CLAIM = "{product} {what}. {Proof}."


def claim_line(product: Product | None, family: str | None) -> str:
    """One or two sentences of the team's own claims for an objection of `family` (placeholders for the
    facts not given)."""
    subs = substitutions(product)
    subs["Proof"] = subs["proof"][:1].upper() + subs["proof"][1:]
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


def makes_claim(sentence: str) -> bool:
    """Whether a sentence of a model answer states a result or a term (a question or a meeting time does not)."""
    if sentence.strip().endswith("?"):
        return False
    return CLAIMS.search(NOT_CLAIMS.sub(" ", DAY_AND_TIME.sub(" ", sentence))) is not None


def ground(text: str, product: Product | None, family: str | None) -> str:
    """A model answer with its generic claims replaced by the team's (once, where the first claim stood);
    unchanged without a product or without a claim."""
    if product is None:
        return text
    sentences = [piece.strip() for piece in SENTENCE.findall(" ".join(text.split())) if piece.strip()]
    kept, replaced = [], False
    for sentence in sentences:
        if not makes_claim(sentence):
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
        for tier in ("strong", "elite"):
            data["rebuttals"][tier]["text"] = ground(data["rebuttals"][tier]["text"], product, objection.category)
        for answer in data["curveball_answers"]:
            answer["text"] = ground(answer["text"], product, objection.category)
    return Objection.model_validate(data)


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
        raise AuthoringError(describe_validation_error(error)) from None
    if objection.slug in (shipped or library()).objections:
        raise AuthoringError(f"field 'slug': '{objection.slug}' is already a library objection; pick another slug")
    return objection


def parse_product(raw: object) -> Product:
    if not isinstance(raw, dict):
        raise AuthoringError("expected a mapping of fields")
    try:
        return Product.model_validate(raw)
    except ValidationError as error:
        raise AuthoringError(describe_validation_error(error)) from None


def to_yaml(objection: Objection) -> str:
    return yaml.safe_dump(objection.model_dump(exclude_none=True), sort_keys=False, allow_unicode=True, width=110)


def from_yaml(data: bytes | str, *, shipped: Library | None = None) -> Objection:
    """An uploaded objection file: bounded in size before it is read, then validated (`AuthoringError`)."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_UPLOAD:
        raise AuthoringError(f"the file is {size:,} bytes; an objection file is at most {MAX_UPLOAD:,}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        raw = load_yaml(text)
    except UnicodeDecodeError:
        raise AuthoringError("the file is not UTF-8 text") from None
    except yaml.YAMLError as error:
        raise AuthoringError(f"not valid YAML ({str(error).splitlines()[0]})") from None
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
    raw["competitors"] = [dict(zip(("name", "difference"), _split(line, 2), strict=True))
                          for line in _lines(str(fields.get("competitors") or ""))]
    return parse_product(raw)


def product_fields(product: Product | None) -> dict[str, str]:
    if product is None:
        return dict.fromkeys(("name", "what", "price", "terms", "proof_points", "customers", "buyers", "competitors"), "")
    return {"name": product.name, "what": product.what, "price": product.price, "terms": product.terms,
            "proof_points": "\n".join(product.proof_points), "customers": "\n".join(product.customers),
            "buyers": "\n".join(product.buyers),
            "competitors": "\n".join(f"{c.name}{SEPARATOR}{c.difference}" for c in product.competitors)}
