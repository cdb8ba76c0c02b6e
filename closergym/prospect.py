"""Prospect engines: given a `Beat` from the routine, say the prospect's next line.

`ScriptedProspect` (the built-in engine) picks from the library's lines with a seeded random
generator, so a repeated drill does not read the same and a given session always replays the same.
An LLM prospect (see `llm.py`) implements the same `say` and streams its words.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Protocol

from closergym.content import Objection
from closergym.sparring import Beat

HANG_UPS = (
    "Look, I don't think this is going anywhere. I have to jump on another call.",
    "I'm going to stop you there. This isn't the right fit for us, thanks.",
    "Sorry, I've heard enough for today. I need to go.",
)
STALLS = (
    "Okay. Let me think it over and I'll get back to you.",
    "Alright, thanks. I'll reach out if anything changes on our side.",
    "Fine. Send me something and I'll have a look when I get a chance.",
)
CONCERN_LEADS = (
    "Since you're asking, here's the real thing.",
    "Okay, I'll be straight with you.",
    "Honestly? Here's what's actually bothering me.",
)
GENERIC_PUSHBACK = {
    "weak": ("I'm not sure that really answers what I said.", "Like I said, I'm not convinced.",
             "That sounds like a sales line, to be honest."),
    "strong": ("Okay, that's a fair question.", "Hm, let me think about that for a second.",
               "That's reasonable to ask."),
    "elite": ("That's actually the part I was worried about.", "Okay, that helps.",
              "Alright, that makes it easier."),
}
GENERIC_CURVEBALLS = ("And even if we did this, I'm not sure we have the time to set it up right now.",
                      "Also, I'd need to get someone else on our side comfortable with it.")
GENERIC_EXITS = ("Okay, let's put a short call in the diary for Thursday and look at it properly.",
                 "Alright, send me the invite for early next week and we'll go through it.")


class Prospect(Protocol):
    engine: str

    def say(self, beat: Beat, *, objection: Objection | None, rng: random.Random) -> Iterator[str]:
        """The prospect's reply to the last answer, as chunks of text."""
        ...


class ScriptedProspect:
    """The built-in prospect: library lines chosen by the routine's beat and a seeded generator."""

    engine = "builtin"

    def say(self, beat: Beat, *, objection: Objection | None, rng: random.Random) -> Iterator[str]:
        yield self.line(beat, objection=objection, rng=rng)

    def line(self, beat: Beat, *, objection: Objection | None, rng: random.Random) -> str:
        pushback = getattr(objection.pushback, beat.tier) if objection else GENERIC_PUSHBACK[beat.tier]
        if beat.action == "hang_up":
            return rng.choice(HANG_UPS)
        if beat.action == "stall":
            return rng.choice(STALLS)
        if beat.action == "exit":
            return rng.choice(objection.exit_lines if objection else GENERIC_EXITS)
        parts = [rng.choice(pushback)]
        if beat.action == "concern":
            parts = [rng.choice(CONCERN_LEADS)]
        if beat.fact:
            parts.append(beat.fact)
        if beat.action == "curveball":
            parts.append(beat.curveball or rng.choice(GENERIC_CURVEBALLS))
        return " ".join(parts)
