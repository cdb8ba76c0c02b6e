"""The Lessons page in AppTest: list, filter, search, open, answer a drill cell, mark as read."""

import pytest

from closergym import sessions, store
from closergym.content import library
from tests.conftest import app_for

PAGE = "app_pages/lessons.py"


def lesson_links(at) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


def test_list_shows_every_lesson_with_cluster_and_reading_time(trainee):
    at = app_for(trainee, PAGE)
    assert not at.exception
    assert at.title[0].value == ":material/menu_book: Lessons"
    assert sum("The second-call close sequence" in label for label in lesson_links(at)) == 1
    assert any("min read" in caption.value for caption in at.caption)


def test_cluster_filter_and_search(trainee):
    at = app_for(trainee, PAGE)
    at.session_state["lessons_cluster"] = "Follow-up"
    at.run()
    labels = lesson_links(at)
    assert any("follow" in label.lower() for label in labels)
    assert not any("second-call" in label.lower() for label in labels)
    at.session_state["lessons_cluster"] = None
    at.text_input(key="lessons_search").set_value("second call").run()
    assert any("second-call close" in label.lower() for label in lesson_links(at))
    at.text_input(key="lessons_search").set_value("zzzz-nothing").run()
    assert any("No lesson matches" in info.value for info in at.info)


def test_open_a_lesson_by_deep_link_answer_its_drill_and_mark_it_read(db, trainee):
    at = app_for(trainee, PAGE, query={"lesson": "second-call-close"})
    assert not at.exception
    assert at.title[0].value == "The second-call close sequence"
    assert [e.label for e in at.expander if "?" in e.label], "the FAQ shows as expanders"
    assert any("Drill this in sparring" in label for label in lesson_links(at))
    at.text_area[0].set_value("That makes sense. What would your partner want to see before saying yes?")
    at.button(key="FormSubmitter:drill_second-call-close_1-Grade my answer").click().run()
    assert not at.exception
    saved = list(db.query("SELECT source, tier, objection_slug FROM turns"))
    assert saved == [{"source": "lesson:second-call-close", "tier": "strong", "objection_slug": "partner-decides"}]
    assert any("STRONG" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Mark as read").click().run()
    assert "second-call-close" in store.lessons_read(db, trainee["id"])
    assert any(b.label == "Mark as unread" for b in at.button)


def test_the_same_answer_graded_twice_is_saved_once(db, trainee):
    """A second press of "Grade my answer" (say, while the prospect's reply still streams in) adds nothing."""
    at = app_for(trainee, PAGE, query={"lesson": "second-call-close"})
    submit = "FormSubmitter:drill_second-call-close_1-Grade my answer"
    at.text_area[0].set_value("That makes sense. What would your partner want to see before saying yes?")
    at.button(key=submit).click().run()
    at.button(key=submit).click().run()
    assert db["turns"].count == 1 and any("change it to grade it again" in c.value for c in at.caption)
    assert any("STRONG" in m.value for m in at.markdown)  # the grade stays on screen
    at.text_area[0].set_value("Fair. What would your partner need to see? Could we call them Thursday at 6?")
    at.button(key=submit).click().run()
    assert db["turns"].count == 2


def test_empty_drill_answer_gets_a_message_and_saves_nothing(db, trainee):
    at = app_for(trainee, PAGE, query={"lesson": "handling-price"})
    at.button(key="FormSubmitter:drill_handling-price_1-Grade my answer").click().run()
    assert any("Type your answer" in w.value for w in at.warning)
    assert db["turns"].count == 0


def test_unknown_lesson_shows_the_list_not_a_traceback(trainee):
    at = app_for(trainee, PAGE, query={"lesson": "../../secrets"})
    assert not at.exception
    assert "no lesson called" in at.info[0].value
    assert at.title[0].value == ":material/menu_book: Lessons"


# Ids that Streamlit 1.67's frontend gave these headings in Chromium (read from the DOM).
HEADING_IDS = [
    ('"I\'m comparing other vendors"', "i-m-comparing-other-vendors"),
    ('"Email me a proposal and I\'ll look at it"', "email-me-a-proposal-and-i-ll-look-at-it"),
    ("Trade, don't give", "trade-dont-give"), ('Three faces of "there\'s another option"',
                                               "three-faces-of-theres-another-option"),
    ("Step 1: Acknowledge", "step-1-acknowledge"), ("A ten-minute daily plan", "a-ten-minute-daily-plan"),
    ("Déjà vu & co", "deja-vu-and-co"), ("iPhone FAQ 2x", "i-phone-faq-2x"), ("A — dash", "a-dash"),
]


@pytest.mark.parametrize(("heading", "html_id"), HEADING_IDS)
def test_contents_links_match_the_ids_streamlit_gives_headings(heading, html_id):
    from components.lesson_view import anchor

    assert anchor(heading) == html_id


def test_the_second_call_lesson_drills_the_second_call_scenario(trainee):
    at = app_for(trainee, PAGE, query={"lesson": "second-call-close"})
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    # the second call is the closing track's first scenario (issue 22.4): the lesson opens it by its key
    assert links["Closing sparring: The second call"] == "scenario=closing%3Asecond-call"


def test_a_drill_cards_link_to_sparring_meets_the_same_prospect(db, trainee):
    """The card names its prospect (Kevin Walsh, the plant manager); the three rounds it links to are with him."""
    at = app_for(trainee, PAGE, query={"lesson": "tone-under-pressure"})
    links = [link.proto.query_string for link in at.get("page_link")
             if link.proto.label == "Spar this objection for three rounds"]
    assert links == ["objection=not-interested&persona=0", "objection=happy-with-current&persona=0"]
    named = library().objections["not-interested"].personas[0].name
    assert any(named in caption.value for caption in at.caption)
    sparring = app_for(trainee, "app_pages/sparring.py", query={"objection": "not-interested", "persona": "0"})
    assert not sparring.exception and any(named in caption.value for caption in sparring.main.caption)
    assert sessions.open_session(db, trainee["id"])["persona"] == 0
    # a bad link, with a session open: what is below is that session, not a list to pick from
    again = app_for(trainee, "app_pages/sparring.py", query={"objection": "price-too-high"})
    assert "There is no drill called" in again.warning[0].value and "session in progress is below" in again.warning[0].value
