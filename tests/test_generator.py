"""The objection response generator: matching, composition, honest labels, bad input, page and CLI."""

import json
import subprocess
import sys

import pytest

from closergym.content import TIERS, library
from closergym.generator import GeneratorError, generate, to_markdown
from tests.conftest import ROOT, app_for


@pytest.mark.parametrize("text, slug", [
    ("we gotta think it over", "need-to-think"),
    ("I need to thnik about it", "need-to-think"),
    ("let me talk to my wife first", "partner-decides"),
    ("its too pricey for us", "too-expensive"),
    ("send me a brochure", "send-info"),
    ("call me next quarter", "call-next-quarter"),
    ("we'll build it ourselves", "do-it-in-house"),
    ("we got burned last time with a similar tool", "tried-before"),
    ("can you email me a quote", "email-proposal"),
    ("I'm shopping around", "comparing-vendors"),
    ("We need to think it over and get back to you.", "need-to-think"),  # not "send me information"
    ("send it over and I'll get back to you", "send-info"),
])
def test_paraphrases_and_typos_match_the_library(text, slug):
    result = generate(text, seed=1)
    assert result.matched == slug and result.confidence > 0.3


@pytest.mark.parametrize("text", ["hello", "https://example.com/pricing", "def f(): return 1", "<b>hi</b>", "thanks!"])
def test_text_that_is_not_an_objection_offers_the_closest_ones(text):
    result = generate(text)
    assert not result.recognised and result.variants == [] and len(result.closest) == 3


def test_a_new_objection_is_recognised_and_answered():
    result = generate("Your office is too far away from us to work with.", seed=3)
    assert result.recognised and result.matched is None
    assert set(result.framework) == {"acknowledge", "clarify", "respond", "advance"}
    assert [v.label for v in result.variants][:2] == ["weak", "strong"]


def test_a_company_too_small_is_the_librarys_own_objection_now():
    assert generate("Your company is too small for us to trust with this.", seed=3).matched == "too-small-too-new"


@pytest.mark.parametrize("text", ["Take me off your list.", "My mother passed away last week.", "We signed elsewhere last week."])
def test_where_the_door_is_closed_the_strong_variant_respects_it(text):
    result = generate(text, seed=2)
    labels = [v.label for v in result.variants]
    assert "strong" in labels
    for variant in result.variants:  # no answer that pushes on can be elite here (the library's may respect it)
        if variant.label == "elite":
            points = variant.grade.points
            assert not points["respond"] and not points["advance"] and not variant.grade.red_flags
    strong = next(v for v in result.variants if v.label == "strong")
    assert strong.grade.tier == "strong" and not strong.grade.points["advance"] and not strong.grade.red_flags


def test_context_fills_the_response():
    plain = generate("It's too expensive.", seed=5)
    filled = generate("It's too expensive.", {"price": "$1,200 a year", "product": "RouteWise", "channel": "email",
                                              "role": "Fleet manager"}, seed=5)
    assert "$23 a week" in filled.framework["respond"] and "$23" not in plain.framework["respond"]
    assert "RouteWise" in filled.response or "fleet managers" in filled.response
    assert "invite" in filled.framework["advance"] or "link" in filled.framework["advance"]


def test_wording_varies_between_runs():
    responses = {generate("I need to think about it", seed=seed).response for seed in range(8)}
    assert len(responses) > 1


def every_phrasing():
    for slug, objection in library().objections.items():
        for text in (objection.title, *objection.aliases[:4]):
            yield pytest.param(text, id=f"{slug}:{text[:30]}")


@pytest.mark.parametrize("text", list(every_phrasing()))
def test_labels_are_honest(text):
    for seed in range(3):
        result = generate(text, seed=seed)
        assert [v.label for v in result.variants] == list(TIERS)
        for variant in result.variants:
            assert variant.grade.tier == variant.label


@pytest.mark.parametrize("text, context, message", [
    ("", {}, "Paste the objection"),
    ("   ", {}, "Paste the objection"),
    ("too pricey " * 100, {}, "under 1,000"),
    ("too pricey", {"price": "9" * 121}, "keep it to 120"),
    ("too pricey", {"colour": "red"}, "Unknown context field"),
])
def test_bad_input_gets_a_clear_message(text, context, message):
    with pytest.raises(GeneratorError, match=message):
        generate(text, context)


def test_markdown_export_has_every_part():
    text = to_markdown(generate("We're happy with our current provider.", seed=2))
    for part in ("What's probably really going on", "4-step framework", "Weak", "Strong", "Elite",
                 "Follow-up questions", "What not to say"):
        assert part in text


def test_cli_prints_the_same_result_as_json():
    done = subprocess.run([sys.executable, "-m", "closergym", "generate", "we gotta think it over",
                           "--context", "channel=email", "--json", "--seed", "4"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["matched"] == "need-to-think" and data["confidence"] > 0.5
    assert [(v["label"], v["tier"]) for v in data["variants"]] == [(t, t) for t in TIERS]
    assert data["response"] == generate("we gotta think it over", {"channel": "email"}, seed=4).response


# -- the page ---------------------------------------------------------------------------------------


def submit(at, objection, **context):
    at.text_area(key="generator_objection").set_value(objection)
    for key, value in context.items():
        at.text_input(key=f"generator_{key}").set_value(value)
    at.button(key="FormSubmitter:generator_form-Generate a response").click().run()
    assert not at.exception
    return at


def test_page_generates_and_saves_history(db, trainee):
    at = submit(app_for(trainee, "app_pages/generator.py"), "we gotta think it over", price="$99 a month")
    assert "Matched" in at.success[0].value and "think about it" in at.success[0].value
    codes = [c.value for c in at.code]
    assert len(codes) == 4  # the framework response and three variants, each with a copy button
    assert any("$23 a week" in c for c in codes)
    assert db["generator_runs"].count == 1
    assert "Drill this in sparring" in [link.proto.label for link in at.get("page_link")]


def test_drilling_a_library_objection_keeps_the_reps_own_context(db, trainee):
    """Without context the link drills the library's objection by name; with a product given, the prospect is
    built in that product's world (the objection's own words, the rep's role and product)."""
    def link(at):
        return next(link for link in at.get("page_link") if link.proto.label == "Drill this in sparring").proto.query_string

    at = submit(app_for(trainee, "app_pages/generator.py"), "We're locked into a contract until 2027.")
    assert "objection=locked-in-contract" in link(at)
    at = submit(at, "We're locked into a contract until 2027.", product="Payroll software")
    assert "custom=We" in link(at) and "product=Payroll" in link(at) and "objection=" not in link(at)


def test_page_bad_input_and_non_objections(db, trainee):
    at = submit(app_for(trainee, "app_pages/generator.py"), "   ")
    assert "Paste the objection" in at.warning[0].value
    at = submit(at, "https://example.com")
    assert "doesn't read like an objection" in at.info[0].value
    at = submit(at, "<script>alert(1)</script> we can't afford it")
    assert not at.exception
    assert db["generator_runs"].count == 1


@pytest.mark.parametrize(("price", "line"), [
    ("$1,200 a year", "about $23 a week"), ("$99/month", "about $23 a week"),
    ("$5,000 per quarter", "about $385 a week"), ("$1.5M a year", "about $28,846 a week"),
    ("£3,000 annually", "about £58 a week"),
    ("$500 per day", None), ("€40 a week", None), ("$5,000", None), ("call us", None),  # nothing to reframe
])
def test_the_price_is_put_per_week_only_when_that_is_sound(price, line):
    from closergym.generator import _price_line

    said = _price_line(price)
    assert (said is None) if line is None else (line in said)


def test_a_dead_llm_is_said_above_the_result(trainee, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    monkeypatch.setenv("CLOSERGYM_MODEL", "gpt-test")
    at = submit(app_for(trainee, "app_pages/generator.py"), "we gotta think it over")
    assert not at.exception
    assert at.warning and "built-in" in at.warning[0].value.lower()
    assert len([c.value for c in at.code]) == 4  # the built-in result is all there


@pytest.mark.parametrize("slug", ["too-expensive", "run-by-boss", "send-info"])
def test_the_weak_variant_is_the_weak_line_for_that_objection(slug):
    objection = library().objections[slug]
    result = generate(objection.lines[0], seed=5)
    weak = next(v for v in result.variants if v.label == "weak")
    assert (weak.text, weak.why) == (objection.rebuttal("weak").text, objection.rebuttal("weak").why)


@pytest.mark.parametrize(("product", "said"), [
    ("", "our service"), ("RouteWise", "RouteWise"), ("CRM software", "our CRM software"),
    ("Websites for small local businesses", "our websites"),  # the head of it, not the field pasted in
    ("a payroll service", "our payroll service"), ("Solar panels for residential roofs", "our solar panels"),
])
def test_the_product_is_named_in_plain_words(product, said):
    from closergym.generator import product_phrase

    assert product_phrase(product) == said


@pytest.mark.parametrize(("role", "said"), [
    ("Homeowner", "a homeowner"), ("Operations director", "an operations director"),
    ("Owner of a bakery", "the owner of a bakery"), ("CFO", "a CFO"),
    ("Head of operations at a 200-person logistics firm", "the head of operations"),
    ("Owners", "owners"), ("Office managers", "office managers"),  # a team's buyers, plural: no article
])
def test_the_role_is_named_in_plain_words(role, said):
    from closergym.generator import role_phrase

    assert role_phrase(role) == said


@pytest.mark.parametrize("said", ["太贵了", "Это слишком дорого для нас сейчас", "غالي جدا"])
def test_an_objection_in_another_script_is_told_the_generator_reads_english(said):
    with pytest.raises(GeneratorError, match="reads English"):
        generate(said)
