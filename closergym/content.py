"""Shipped content: the objection library (`data/objections/*.yaml`) and the lessons (`data/lessons/*.md`).

Files are validated at load with pydantic. A malformed file does not stop the others: it is reported
as a `LoadError` naming the file and the field, and the app shows those errors. Slugs are checked
against a strict pattern and files are only ever read from the shipped folders, so a slug from a URL
can never reach a path outside `data/`.
"""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
TIERS = ("weak", "strong", "elite")
SECOND_CALL = "second_call"  # a lesson may drill the whole second-call scenario, not one objection
# ... or a closing or psychology scenario by its key (`tracks`): "closing:pre-frame", from data/closing/pre-frame.yaml
SCENARIO_KEY_RE = re.compile(r"^(closing|psychology):([a-z0-9]+(?:-[a-z0-9]+)*)$")
MOVES = ("acknowledge", "clarify", "respond", "advance")
# The families an objection belongs to: what kind of worry it is. A library objection names its family in
# `category`; an objection worded by someone else is mapped to one, so the prospect and the generator know
# what concern sits behind it.
FAMILIES = {
    "stall": "Putting the decision off without saying what is unresolved",
    "money": "The price, the budget, or whether it pays for itself",
    "authority": "Someone else decides or must approve",
    "trust": "Doubt about the salesperson or the company",
    "risk": "Fear that it will not work for them or that switching goes wrong",
    "need": "Not seeing the problem, or not seeing it as theirs",
    "timing": "The moment is wrong: busy, frozen, or later in the year",
    "competition": "Another vendor, a cheaper offer, or a side-by-side comparison",
    "status_quo": "Happy enough with how things are done today",
    "past_failure": "Tried something like it before and it went badly",
    "contract": "Tied into an existing contract or arrangement",
    "boundary": "A request to stop, or a personal situation the rep must respect",
}
Family = Literal["stall", "money", "authority", "trust", "risk", "need", "timing", "competition", "status_quo",
                 "past_failure", "contract", "boundary"]
CLUSTERS = ("Objection handling", "Closing", "Follow-up", "Discovery", "Delivery and mindset")
WORDS_PER_MINUTE = 220


def unicode_text(raw: bytes) -> str:
    """An uploaded file's text: UTF-8 (with or without a byte-order mark), or UTF-16 with its byte-order mark,
    as Excel's "Unicode text" and Windows tools save it. Raises UnicodeDecodeError for anything else."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # the C parser when PyYAML has it
    """The safe loader, refusing a key written twice in one mapping (YAML keeps the last without a word)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"the key “{key.value}” is written twice",
                                                            key.start_mark)
                seen.add(key.value)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str):
    return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a safe loader

Move = Literal["acknowledge", "clarify", "respond", "advance"]
Line = Field(min_length=3, max_length=600)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Persona(Strict):
    name: str = Field(min_length=1, max_length=40)
    role: str = Field(min_length=2, max_length=80)
    industry: str = Field(min_length=2, max_length=80)
    mood: str = Field(min_length=2, max_length=80)


class ModelRebuttal(Strict):
    text: str = Field(min_length=3, max_length=1200)
    why: str = Field(min_length=10, max_length=600)
    moves: list[Move] = Field(default_factory=list)


class CurveballAnswer(Strict):
    """A model answer to one of an objection's curveballs, in its personas' world."""

    text: str = Field(min_length=3, max_length=1200)
    why: str = Field(min_length=10, max_length=600)


class TierLines(Strict):
    weak: list[str] = Field(min_length=2)
    strong: list[str] = Field(min_length=2)
    elite: list[str] = Field(min_length=2)


class TierRebuttals(Strict):
    weak: ModelRebuttal
    strong: ModelRebuttal
    elite: ModelRebuttal


class Objection(Strict):
    slug: str = Field(pattern=SLUG_PATTERN, max_length=60)
    title: str = Field(min_length=3, max_length=120)
    short: str = Field(min_length=2, max_length=30)
    emoji: str = Field(min_length=1, max_length=8)
    category: Family
    lines: list[str] = Field(min_length=2)
    aliases: list[str] = Field(default_factory=list)
    real_concern: str = Field(min_length=10)
    personas: list[Persona] = Field(min_length=1)
    hidden_facts: list[str] = Field(min_length=2)
    pushback: TierLines
    exit_door: str = Field(min_length=10)
    exit_lines: list[str] = Field(min_length=2)
    curveballs: list[str] = Field(min_length=2)
    curveball_answers: list[CurveballAnswer] = Field(min_length=2)  # one per curveball, in the same order
    rebuttals: TierRebuttals
    follow_up_questions: list[str] = Field(min_length=3)
    avoid: list[str] = Field(min_length=3)
    lesson: str | None = Field(default=None, pattern=SLUG_PATTERN)

    @field_validator("lines", "aliases", "hidden_facts", "exit_lines", "curveballs",
                     "follow_up_questions", "avoid")
    @classmethod
    def no_blank_lines(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value or not value.strip():
                raise ValueError("contains an empty line")
        return values

    @model_validator(mode="after")
    def an_answer_per_curveball(self) -> Objection:
        if len(self.curveball_answers) != len(self.curveballs):
            raise ValueError(f"curveball_answers: {len(self.curveball_answers)} answers for "
                             f"{len(self.curveballs)} curveballs (one each, in the same order)")
        return self

    def rebuttal(self, tier: str) -> ModelRebuttal:
        return getattr(self.rebuttals, tier)


class FaqEntry(Strict):
    q: str = Field(min_length=3)
    a: str = Field(min_length=3)


class LessonMeta(Strict):
    title: str = Field(min_length=3, max_length=120)
    slug: str = Field(pattern=SLUG_PATTERN, max_length=60)
    cluster: Literal[CLUSTERS]  # type: ignore[valid-type]
    summary: str = Field(min_length=10, max_length=400)
    related: list[str] = Field(default_factory=list)
    drills: list[str] = Field(default_factory=list)
    faq: list[FaqEntry] = Field(default_factory=list)
    order: int = 100


class DrillCell(Strict):
    objection: str = Field(pattern=SLUG_PATTERN)
    persona: int = Field(default=0, ge=0)
    prompt: str | None = None


@dataclass(frozen=True)
class Block:
    """One piece of a lesson body: Markdown text, or a drill cell."""

    kind: Literal["markdown", "drill"]
    text: str = ""
    drill: DrillCell | None = None


@dataclass(frozen=True)
class Lesson:
    meta: LessonMeta
    blocks: tuple[Block, ...]
    words: int

    @property
    def slug(self) -> str:
        return self.meta.slug

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))

    @property
    def headings(self) -> list[str]:
        found = []
        for block in self.blocks:
            if block.kind == "markdown":
                found += re.findall(r"^##\s+(.+?)\s*$", block.text, flags=re.MULTILINE)
        return found

    @property
    def drill_cells(self) -> list[DrillCell]:
        return [block.drill for block in self.blocks if block.drill]

    @property
    def body_markdown(self) -> str:
        return "\n\n".join(block.text for block in self.blocks if block.kind == "markdown")


@dataclass(frozen=True)
class LoadError:
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one loaded library, cached per object
class Library:
    objections: dict[str, Objection] = field(default_factory=dict)
    lessons: dict[str, Lesson] = field(default_factory=dict)
    errors: tuple[LoadError, ...] = ()
    product: object | None = None  # a team's `team.Product`: the facts its prospect and better lines use

    def objection(self, slug: str | None) -> Objection | None:
        if not slug or not SLUG_RE.match(slug):
            return None
        return self.objections.get(slug)

    def lesson(self, slug: str | None) -> Lesson | None:
        if not slug or not SLUG_RE.match(slug):
            return None
        return self.lessons.get(slug)


def describe_validation_error(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(piece) for piece in problem["loc"]) or "(file)"
        parts.append(f"field '{where}': {problem['msg']}")
    return "; ".join(parts)


def load_objection_file(path: Path) -> Objection:
    """Parse and validate one objection file; raise `ValueError` with a readable message."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ValueError(f"not valid YAML ({error.__class__.__name__}: {str(error).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping of fields at the top of the file")
    try:
        objection = Objection.model_validate(raw)
    except ValidationError as error:
        raise ValueError(describe_validation_error(error)) from None
    if objection.slug != path.stem:
        raise ValueError(f"field 'slug': '{objection.slug}' does not match the file name '{path.stem}'")
    return objection


FRONT_MATTER = frontmatter.YAMLHandler()
DRILL_FENCE_RE = re.compile(r"^```drill[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def parse_lesson(text: str, *, name: str = "lesson") -> Lesson:
    """Split front matter and body, validate both; raise `ValueError` naming the field at fault."""
    text = text.replace("\r\n", "\n")
    missing = "missing front matter (a block between '---' lines at the top)"
    if not FRONT_MATTER.detect(text):
        raise ValueError(missing)
    try:
        front, body = FRONT_MATTER.split(text)
    except ValueError:  # the closing '---' is missing
        raise ValueError(missing) from None
    try:
        raw = FRONT_MATTER.load(front, Loader=_YamlLoader)
    except yaml.YAMLError as error:
        raise ValueError(f"broken front matter ({str(error).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ValueError("front matter must be a mapping of fields")
    try:
        meta = LessonMeta.model_validate(raw)
    except ValidationError as error:
        raise ValueError(describe_validation_error(error)) from None
    blocks: list[Block] = []
    cursor = 0
    for number, fence in enumerate(DRILL_FENCE_RE.finditer(body), start=1):
        before = body[cursor:fence.start()].strip()
        if before:
            blocks.append(Block("markdown", before))
        try:
            spec = load_yaml(fence.group(1)) or {}
            drill = DrillCell.model_validate(spec)
        except (yaml.YAMLError, ValidationError) as error:
            detail = describe_validation_error(error) if isinstance(error, ValidationError) else str(error)
            raise ValueError(f"drill cell {number}: {detail}") from None
        blocks.append(Block("drill", drill=drill))
        cursor = fence.end()
    rest = body[cursor:].strip()
    if rest:
        blocks.append(Block("markdown", rest))
    prose = " ".join(block.text for block in blocks) + " ".join(f"{f.q} {f.a}" for f in meta.faq)
    words = len(re.findall(r"[\w’']+", prose))
    return Lesson(meta=meta, blocks=tuple(blocks), words=words)


def load_library(data_dir: Path = DATA_DIR) -> Library:
    """Load every objection and lesson under `data_dir`, collecting errors instead of stopping."""
    errors: list[LoadError] = []
    objections: dict[str, Objection] = {}
    for path in sorted((data_dir / "objections").glob("*.yaml")):
        try:
            objection = load_objection_file(path)
        except (ValueError, OSError) as error:
            errors.append(LoadError(f"objections/{path.name}", str(error)))
            continue
        objections[objection.slug] = objection

    lessons: dict[str, Lesson] = {}
    for path in sorted((data_dir / "lessons").glob("*.md")):
        name = f"lessons/{path.name}"
        try:
            lesson = parse_lesson(path.read_text(encoding="utf-8"), name=name)
            if lesson.slug != path.stem:
                raise ValueError(f"field 'slug': '{lesson.slug}' does not match the file name '{path.stem}'")
            unknown = [s for s in lesson.meta.drills if s not in objections and s != SECOND_CALL
                       and not ((key := SCENARIO_KEY_RE.match(s)) and (data_dir / key[1] / f"{key[2]}.yaml").is_file())]
            unknown += [c.objection for c in lesson.drill_cells if c.objection not in objections]
            if unknown:
                raise ValueError(f"field 'drills': unknown objection slug(s) {', '.join(sorted(set(unknown)))}")
        except (ValueError, OSError, UnicodeDecodeError) as error:
            errors.append(LoadError(name, str(error)))
            continue
        lessons[lesson.slug] = lesson

    for lesson in list(lessons.values()):
        missing = [slug for slug in lesson.meta.related if slug not in lessons]
        if missing:
            errors.append(LoadError(f"lessons/{lesson.slug}.md",
                                    f"field 'related': unknown lesson slug(s) {', '.join(missing)}"))
    lessons = dict(sorted(lessons.items(), key=lambda item: (CLUSTERS.index(item[1].meta.cluster),
                                                             item[1].meta.order, item[0])))
    return Library(objections=objections, lessons=lessons, errors=tuple(errors))


@lru_cache(maxsize=4)
def library(data_dir: Path = DATA_DIR) -> Library:
    """The shipped library, loaded once per process (content does not change while running)."""
    return load_library(data_dir)
