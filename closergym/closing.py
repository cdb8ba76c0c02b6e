"""The closing track's rubric: a warm prospect, and each round graded on the closing moves it asks for.

The moves are the second call's steps (a callback to call one, what changed, the cost of inaction, meeting a
stall, the pre-frame, the recap in writing, the small ask) and the trial close, each found by its pattern and
marked 0-2 with the rep's own words by `second_call.grade_steps`, under the same tiers. A scenario
(`data/closing/*.yaml`) names the moves of each round; the second call keeps its own engine (its three rounds,
one of the three stalls per session) and is the track's first scenario, with the notes from call one.
"""

from __future__ import annotations

from closergym.content import Library, library
from closergym.grading import Grade
from closergym.psychology import grade_principle
from closergym.psychology import rubric_lines as principle_lines
from closergym.second_call import ROUND_STEPS, RUBRIC, STEP_LABELS, grade_second_call, grade_steps
from closergym.sparring import SECOND_CALL_PROMPTS
from closergym.tracks import Example, Round, Scenario


def round_steps(scenario: Scenario, number: int) -> list[str]:
    if scenario.engine == "second_call":
        return list(ROUND_STEPS[number])
    return scenario.rounds[number - 1].steps


def elite_example(round_: Round, stall: str | None = None) -> Example:
    """The round's elite example (the stall's own, in the second call's round 2): the better line it offers."""
    elite = [e for e in round_.examples if e.tier == "elite"]
    return next((e for e in elite if e.stall == stall), elite[0])


def prompt_for(scenario: Scenario, number: int, stall_line: str | None = None) -> str:
    """What the prospect says to open round `number` (before any hardening after a weak answer)."""
    if scenario.engine == "second_call":
        return stall_line if number == 2 and stall_line else SECOND_CALL_PROMPTS[number - 1] or ""
    return scenario.rounds[number - 1].prompt or ""


def grade_round(scenario: Scenario, number: int, prompt: str, rebuttal: str, *, stall: str | None = None,
                lib: Library | None = None) -> Grade:
    """One answer in a closing or psychology scenario, graded on its round's own rubric."""
    lib = lib or library()
    number = min(max(number, 1), len(scenario.rounds))
    round_ = scenario.rounds[number - 1]
    if scenario.engine == "second_call":
        return grade_second_call(number, prompt, rebuttal, stall=lib.objection(stall), lib=lib)
    best = elite_example(round_)
    if scenario.track == "psychology":
        return grade_principle(round_.steps, prompt, rebuttal, better=(best.text, best.why), lib=lib)
    return grade_steps(round_.steps, prompt, rebuttal, stall=lib.objection(round_.stall), better=(best.text, best.why),
                       lib=lib)


def rubric(scenario: Scenario) -> list[tuple[int, str, list[tuple[str, str]]]]:
    """The scenario's visible rubric: per round, its name and (label, what earns it) for each step or criterion."""
    shown = []
    for number, round_ in enumerate(scenario.rounds, start=1):
        steps = round_steps(scenario, number)
        lines = principle_lines(steps) if scenario.track == "psychology" else [(STEP_LABELS[s], RUBRIC[s]) for s in steps]
        shown.append((number, round_.name, lines))
    return shown
