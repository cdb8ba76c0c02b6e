"""The two sparring tracks beside the objections: closing (a warm prospect, and the rep must close) and sales
psychology (short scenarios, each on one principle the lessons teach).

A scenario is a readable file, `data/closing/*.yaml` or `data/psychology/*.yaml`, validated here with pydantic
as `content.py` validates the library: who the prospect is, the notes from an earlier call when there was one,
its rounds (what the prospect says, the steps the answer is graded on, examples at each tier) and how the
prospect ends the call. A scenario is known everywhere by its key, `track:slug` (`closing:second-call`): the
session, each turn's `objection_slug` (so Progress and spaced repetition count it under its own name) and a
lesson's `drills:` all use it. The rubrics themselves live with their engines (`closing.py`, `psychology.py`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from closergym.content import DATA_DIR, SCENARIO_KEY_RE, SLUG_PATTERN, TIERS, describe_validation_error

TRACKS = {"closing": "Closing", "psychology": "Psychology"}


def not_a_scenario(column: str) -> str:
    """SQL that holds for a row whose `column` (an objection slug) is no closing or psychology scenario's key:
    scenarios are graded on their own steps, so the four-move figures leave them out. NULL (a trainee's own
    objection) holds too."""
    return " AND ".join(f"coalesce({column}, '') NOT LIKE '{track}:%'" for track in TRACKS)
TRACK_ICONS = {"closing": ":material/handshake:", "psychology": ":material/psychology:"}
KEY_RE = SCENARIO_KEY_RE
SECOND_CALL_KEY = "closing:second-call"  # the second call: a closing scenario with its own engine


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Example(Strict):
    tier: Literal[TIERS]  # type: ignore[valid-type]
    text: str = Field(min_length=10)
    why: str = Field(min_length=10)
    stall: str | None = Field(default=None, pattern=SLUG_PATTERN)  # the second call's round 2: which stall


class Round(Strict):
    name: str = Field(min_length=3, max_length=40)  # "the opening": how the round is labelled
    prompt: str | None = None  # what the prospect says (the second call's engine has its own lines)
    steps: list[str] = Field(min_length=2)  # what the answer is graded on, by the track's rubric
    stall: str | None = Field(default=None, pattern=SLUG_PATTERN)  # a library objection the round meets
    after_weak: str = "Hm. I'm not sure that answers it."  # said before the next line after a weak answer
    examples: list[Example] = Field(min_length=3)

    @model_validator(mode="after")
    def every_tier_shown(self) -> Round:
        missing = set(TIERS) - {example.tier for example in self.examples}
        if missing:
            raise ValueError(f"examples: add one at each tier (missing {', '.join(sorted(missing))})")
        return self


class CallOne(Strict):
    """What the rep wrote down on the first call: shown before the second one starts."""
    who: str = Field(min_length=5)
    said: list[str] = Field(min_length=1)  # their words, as the rep noted them
    number: str = Field(min_length=5)  # the figure they gave
    next_step: str = Field(min_length=5)


class Scenario(Strict):
    slug: str = Field(pattern=SLUG_PATTERN, max_length=60)
    track: Literal[tuple(TRACKS)]  # type: ignore[valid-type]
    title: str = Field(min_length=3, max_length=80)
    short: str = Field(min_length=3, max_length=40)  # its label in Progress and pickers
    summary: str = Field(min_length=10, max_length=400)
    principle: str | None = None  # psychology: the principle, in a sentence
    lesson: str | None = Field(default=None, pattern=SLUG_PATTERN)
    prospect: str = Field(min_length=5)  # who is on the other end
    call_one: CallOne | None = None
    engine: Literal["steps", "second_call"] = "steps"
    rounds: list[Round] = Field(min_length=1, max_length=3)
    advanced: str = Field(min_length=5)  # the prospect's last line after an elite last answer: the close lands
    partly: str | None = Field(default=None, min_length=5)  # ... after a strong one: they go part of the way
    stalled: str = Field(min_length=5)  # ... after a weak one

    @property
    def key(self) -> str:
        return f"{self.track}:{self.slug}"

    @property
    def label(self) -> str:
        return f"{TRACKS[self.track]} · {self.short}"


@lru_cache(maxsize=4)
def scenarios(data_dir: Path = DATA_DIR) -> dict[str, Scenario]:
    """Every shipped scenario by key, closing first, in file order. A malformed file raises, naming it:
    these are few and ours, and a test loads them all."""
    found: dict[str, Scenario] = {}
    for track in TRACKS:
        for path in sorted((data_dir / track).glob("*.yaml")):
            try:
                scenario = Scenario.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
            except ValidationError as error:
                raise ValueError(f"{path.name}: {describe_validation_error(error)}") from None
            except yaml.YAMLError as error:
                raise ValueError(f"{path.name}: not readable YAML ({error})") from None
            if scenario.track != track or f"{scenario.slug}.yaml" != path.name:
                raise ValueError(f"{path.name}: its slug and track must match its file and folder")
            found[scenario.key] = scenario
    return dict(sorted(found.items(), key=lambda item: (item[1].track != "closing", item[0] != SECOND_CALL_KEY)))


def scenario(key: str | None) -> Scenario | None:
    return scenarios().get(key) if key and KEY_RE.match(key) else None


def track_of(key: str | None) -> str | None:
    found = KEY_RE.match(key or "")
    return found.group(1) if found else None


def of_track(track: str) -> list[Scenario]:
    return [s for s in scenarios().values() if s.track == track]


def labels() -> dict[str, str]:
    """Every scenario's label, by key: how Progress names its turns."""
    return {key: s.label for key, s in scenarios().items()}
