"""The shipped library and lessons validate, and broken files are reported by name without stopping the rest."""

import shutil

import pytest

from closergym.content import DATA_DIR, TIERS, load_library, parse_lesson

REQUIRED_OBJECTIONS = {
    "need-to-think", "partner-decides", "tried-before", "too-expensive", "comparing-vendors", "send-info",
    "bad-timing", "happy-with-current", "run-by-boss", "not-interested", "email-proposal", "do-it-in-house",
}


def test_the_shipped_content_loads_cleanly():
    lib = load_library()
    assert lib.errors == ()
    assert set(lib.objections) >= REQUIRED_OBJECTIONS
    assert len(lib.lessons) >= 14
    clusters = {lesson.meta.cluster for lesson in lib.lessons.values()}
    assert clusters == {"Objection handling", "Closing", "Follow-up", "Discovery", "Delivery and mindset"}


def test_every_objection_is_complete():
    for objection in load_library().objections.values():
        assert objection.personas and len(objection.hidden_facts) >= 2
        for tier in TIERS:
            assert objection.rebuttal(tier).why
            assert len(getattr(objection.pushback, tier)) >= 2
        elite = set(objection.rebuttal("elite").moves)
        if objection.category == "boundary":  # a request to stop, a loss: the best answer respects it, pushes nothing
            assert elite and not elite & {"respond", "advance"}, objection.slug
        else:
            assert elite == {"acknowledge", "clarify", "respond", "advance"}, objection.slug


def test_second_call_lesson_has_the_six_steps_three_stalls_and_faq():
    lesson = load_library().lessons["second-call-close"]
    text = lesson.body_markdown.lower()
    for phrase in ("callback", "what changed", "cost of inaction", "pre-frame", "in writing", "small ask",
                   "partner", "comparing", "budget"):
        assert phrase in text, phrase
    questions = " ".join(f.q.lower() for f in lesson.meta.faq)
    answers = " ".join(f.a.lower() for f in lesson.meta.faq)
    assert "24" in answers and "72" in answers
    assert "email" in questions or "call" in questions


def test_reading_time_is_computed_from_the_words():
    lib = load_library()
    for lesson in lib.lessons.values():
        assert lesson.reading_minutes == max(1, -(-lesson.words // 220))


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_malformed_objection_file_is_named_and_the_others_load(data_copy):
    path = data_copy / "objections" / "send-info.yaml"
    path.write_text(path.read_text().replace("real_concern:", "real_concern_typo:"))
    (data_copy / "objections" / "broken.yaml").write_text("slug: [unclosed\n")
    lib = load_library(data_copy)
    messages = {error.file: error.message for error in lib.errors}
    assert "objections/send-info.yaml" in messages and "real_concern" in messages["objections/send-info.yaml"]
    assert "objections/broken.yaml" in messages and "YAML" in messages["objections/broken.yaml"]
    assert len(lib.objections) == len(load_library().objections) - 1


def test_a_curveball_without_its_answer_is_named(data_copy):
    path = data_copy / "objections" / "send-info.yaml"
    text = path.read_text()
    answers = text.index("curveball_answers:")
    last = text.rindex("  - text:", answers, text.index("\nrebuttals:"))
    path.write_text(text[:last] + text[text.index("\nrebuttals:"):])  # two answers for three curveballs
    messages = {error.file: error.message for error in load_library(data_copy).errors}
    assert "curveball_answers: 2 answers for 3 curveballs" in messages["objections/send-info.yaml"]


@pytest.mark.parametrize("damage, field", [
    (lambda text: text.replace("---\n", "", 1), "front matter"),
    (lambda text: text.replace("title:", "titel:", 1), "title"),
    (lambda text: text.replace("drills: [", "drills: [no-such-objection, ", 1), "no-such-objection"),
])
def test_malformed_lesson_is_named_and_the_others_load(data_copy, damage, field):
    path = data_copy / "lessons" / "handling-price.md"
    path.write_text(damage(path.read_text()))
    lib = load_library(data_copy)
    assert "handling-price" not in lib.lessons
    assert any(e.file == "lessons/handling-price.md" and field in e.message for e in lib.errors)
    assert len(lib.lessons) >= 13


FRONT = "title: A lesson\nslug: a-lesson\ncluster: Closing\nsummary: What the lesson is about.\n"


LESSON_WITH_A_RULE = f"---\n{FRONT}---\nBody.\n\n---\n\nAfter a rule.\n"


@pytest.mark.parametrize("text", [LESSON_WITH_A_RULE, LESSON_WITH_A_RULE.replace("\n", "\r\n")], ids=["lf", "crlf"])
def test_front_matter_ends_at_its_closing_line_and_a_rule_stays_in_the_body(text):
    lesson = parse_lesson(text)
    assert lesson.title == "A lesson"
    assert lesson.body_markdown == "Body.\n\n---\n\nAfter a rule."


@pytest.mark.parametrize("text, message", [
    (f"{FRONT}---\nBody.", "missing front matter"),
    (f"---\n{FRONT}Body without a closing line.", "missing front matter"),
    ("---\ntitle: [unclosed\n---\nBody.", "broken front matter"),
    ("---\n- a list\n---\nBody.", "front matter must be a mapping"),
    (f"---\n{FRONT.replace('cluster: Closing', 'cluster: Nowhere')}---\nBody.", "field 'cluster'"),
])
def test_broken_front_matter_is_named(text, message):
    with pytest.raises(ValueError, match=message):
        parse_lesson(text)


@pytest.mark.parametrize("slug", ["../etc/passwd", "..", "need-to-think/../x", "NEED-TO-THINK", "", "a b"])
def test_odd_slugs_never_reach_a_file(slug):
    lib = load_library()
    assert lib.objection(slug) is None and lib.lesson(slug) is None
