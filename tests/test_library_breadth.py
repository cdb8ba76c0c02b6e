"""The objections issue 22 added for trust, risk, contracts, budgets, freezes, approvals and quotes: each is in the
library under its family, as complete as the first twelve, and its prospect never speaks of an offer as made."""

import re

import pytest

from closergym.content import load_library
from closergym.grading import match_objection

LIB = load_library()
ADDED = {  # slug: (family, a way a rep hears it that is none of the file's own lines or aliases)
    "no-trust-salespeople": ("trust", "Honestly I just don't trust you sales guys."),
    "will-it-work-for-us": ("risk", "How can I be sure this will actually work for a place like ours?"),
    "too-small-too-new": ("risk", "You guys are a bit too small and new for a company like us."),
    "need-case-study": ("risk", "Do you have a case study from someone in my industry?"),
    "locked-in-contract": ("contract", "We're stuck in a contract with them for another year."),
    "no-budget-until-next-year": ("money", "There's no budget left until the next fiscal year starts."),
    "hiring-freeze": ("timing", "We've just had a round of layoffs and there's a freeze on everything."),
    "needs-approval": ("authority", "Our procurement and legal people have to approve any new vendor."),
    "send-me-a-quote": ("stall", "Skip the pitch, just send me a quote with the price."),
}
# What a rep offers: a prospect line that speaks of one as already on the table answers someone else.
OFFERED = re.compile(r"\b(?:payment plan|reference call|one-page\w*|one pager|trial|pilot|that summary|your summary|"
                     r"the summary|the discount|your discount)\b", re.IGNORECASE)
DAY_AND_TIME = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|tomorrow)\b"
                          r"[^.?!\d]{0,20}?\b(?:at|around) \d{1,2}(?::\d\d)?", re.IGNORECASE)


@pytest.mark.parametrize("slug", sorted(ADDED))
def test_an_added_objection_is_in_its_family_and_complete(slug):
    objection = LIB.objections[slug]
    family, _ = ADDED[slug]
    assert objection.category == family
    assert len(objection.lines) >= 4 and len(objection.aliases) >= 10 and len(objection.hidden_facts) >= 4
    assert len({p.industry for p in objection.personas}) == len(objection.personas) >= 3
    assert len(objection.curveballs) == len(objection.curveball_answers) >= 3
    assert len(objection.exit_lines) >= 3 and len(objection.follow_up_questions) >= 5 and len(objection.avoid) >= 4
    assert objection.lesson in LIB.lessons


@pytest.mark.parametrize("slug", sorted(ADDED))
def test_an_added_objection_is_recognised_in_other_words(slug):
    _, heard = ADDED[slug]
    assert heard not in LIB.objections[slug].aliases
    found = match_objection(heard, LIB)
    assert found is not None and found.slug == slug, (heard, found and found.slug)


@pytest.mark.parametrize("slug", sorted(ADDED))
def test_the_prospect_never_speaks_of_an_offer_the_rep_has_not_made(slug):
    objection = LIB.objections[slug]
    said = [*objection.lines, *objection.hidden_facts, *objection.exit_lines, *objection.curveballs,
            *(line for tier in ("weak", "strong", "elite") for line in getattr(objection.pushback, tier))]
    for line in said:
        assert not OFFERED.search(line), (slug, line)


def test_the_added_objections_name_varied_days_and_times():
    """No day and time (Thursday at 2, say) is the one every added objection reaches for."""
    named: dict[str, set[str]] = {}
    for slug in ADDED:
        objection = LIB.objections[slug]
        texts = [objection.rebuttal("elite").text, *(a.text for a in objection.curveball_answers), *objection.exit_lines]
        for text in texts:
            for found in DAY_AND_TIME.finditer(text):
                named.setdefault(" ".join(found.group().lower().split()), set()).add(slug)
    assert len(named) >= len(ADDED)
    assert max(len(slugs) for slugs in named.values()) <= 2, sorted(named.items(), key=lambda kv: -len(kv[1]))[:3]
