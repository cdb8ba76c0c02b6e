"""No emoji reaches the screen: a machine without an emoji font draws each as a box (two for a joined one such
as a person with a briefcase). Icons are Streamlit's Material names, which the app ships. Each main page is
drawn in AppTest, with what a rep does on it, and every element's text (labels, options, icons, avatars,
Markdown, table cells) is searched for a character from the emoji blocks."""

from __future__ import annotations

import re

import pytest
from google.protobuf.text_format import MessageToString

from tests.conftest import app_for, pressed, say

# pictographs, symbols and dingbats, arrows-and-shapes emoji, the emoji of Miscellaneous Technical (⏭ ⏸ ⏳ ...),
# and the variation selector and joiner that turn text into an emoji
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u231A\u231B\u2328\u23CF\u23E9-\u23F3"
                   "\u23F8-\u23FA\uFE0F\u200D]")
ELITE = ("That's fair, it's a real decision. Is it the cost, the timing, or whether it gets used? "
         "Most teams like yours break even within four months. Could we take 15 minutes Thursday at 2 "
         "to look at your numbers together?")
WEAK = "No problem, take your time and let me know!"


def emoji_shown(at) -> list[str]:
    """Each element or block of the page whose text holds an emoji, as '<type>: <the text around it>'."""
    found = []
    for node in at.main.root:
        proto = getattr(node, "proto", None)
        texts = [MessageToString(proto, as_utf8=True)] if proto is not None else []
        if node.type == "arrow_data_frame":
            texts.append(node.value.to_string())
        for text in texts:
            found += [f"{node.type}: {text[max(0, m.start() - 40):m.end() + 40]!r}" for m in EMOJI.finditer(text)]
    return found


def all_text(at) -> str:
    return " ".join(MessageToString(node.proto, as_utf8=True) for node in at.main.root
                    if getattr(node, "proto", None) is not None)


def test_the_check_finds_an_emoji_where_there_is_one(trainee):
    at = app_for(trainee, "app_pages/home.py")
    at.main.markdown[0].proto.body += " 🟩 ELITE"  # as the badges read before
    assert emoji_shown(at) and "markdown" in emoji_shown(at)[0]


@pytest.mark.parametrize("page", ["home", "progress", "lessons", "generator", "settings", "sparring"])
def test_a_page_as_first_opened_shows_no_emoji(trainee, page):
    at = app_for(trainee, f"app_pages/{page}.py")
    assert not at.exception
    assert emoji_shown(at) == []


def test_the_sparring_picker_lists_objections_without_emoji(trainee):
    at = app_for(trainee, "app_pages/sparring.py")
    options = at.selectbox[0].proto.options
    assert "Random objection" in options and len(options) > 20
    assert not [o for o in options if EMOJI.search(o)]


def test_a_sparring_session_its_report_and_progress_show_no_emoji(db, trainee):
    at = app_for(trainee, "app_pages/sparring.py", query={"objection": "too-expensive"})
    say(at, WEAK)
    assert "WEAK" in all_text(at) and emoji_shown(at) == []  # a badge, after one round
    say(say(at, ELITE), ELITE)
    assert [m for m in at.main.markdown if m.value.startswith("### Session report")]
    assert emoji_shown(at) == []
    progress = app_for(trainee, "app_pages/progress.py")
    assert not progress.exception and emoji_shown(progress) == []


def test_the_second_calls_steps_say_done_partly_or_missing_in_words(db, trainee):
    at = app_for(trainee, "app_pages/sparring.py", query={"objection": "second_call", "difficulty": "hard"})
    say(at, "Thanks for making time. Last time you mentioned your team loses 11 hours a week to manual reports. "
            "What's changed since we spoke? And if nothing changes, what does that cost you this quarter?")
    say(say(at, WEAK), "I'll send the proposal over tonight. Do you want to go ahead?")  # half the close's two steps
    report = next(m.value for m in at.main.markdown if "**The six steps of a second call**" in m.value)
    lines = report.split("**The six steps of a second call**\n\n", 1)[1].splitlines()
    assert lines[0].startswith(":small[:gray[Each step counts in its own round") and not lines[1]
    lines = lines[2:]
    assert len(lines) == 6
    marks = (":material/check_circle:] **Done:**", ":material/radio_button_partial:] **Partly:**",
             ":material/radio_button_unchecked:] **Missing:**")
    assert all(sum(mark in line for mark in marks) == 1 for line in lines)
    assert [sum(mark in line for line in lines) for mark in marks] == [3, 2, 1]  # call one's three; the close's two
    assert emoji_shown(at) == []


def test_a_lesson_and_its_drill_show_no_emoji(db, trainee):
    at = app_for(trainee, "app_pages/lessons.py", query={"lesson": "cost-of-inaction"})
    assert not at.exception
    assert at.main.chat_message  # the drill's prospect, with an avatar
    pressed(at, "Mark as read")
    drill = next(t for t in at.text_area if t.key and t.key.startswith("drill_"))
    drill.set_value(ELITE)
    next(b for b in at.button if b.label == "Grade my answer").click().run()
    assert not at.exception
    assert any(tier in all_text(at) for tier in ("WEAK", "STRONG", "ELITE"))  # the drill's scorecard
    assert emoji_shown(at) == []


def test_the_generator_result_shows_no_emoji(trainee):
    at = app_for(trainee, "app_pages/generator.py")
    at.text_area(key="generator_objection").set_value("we gotta think it over, and it costs too much")
    at.button(key="FormSubmitter:generator_form-Generate a response").click().run()
    assert not at.exception and "Matched" in at.success[0].value
    assert emoji_shown(at) == []


def test_the_presenter_view_shows_no_emoji(trainee):
    at = app_for(trainee, query={"present": "1"})
    assert emoji_shown(at) == []
    at.text_area(key="present_text").set_value(ELITE)
    next(b for b in at.button if "Grade it" in b.label).click().run()
    pressed(at, "Reveal the grade")
    assert emoji_shown(at) == []
    answers = next(b for b in at.button if b.label == "The prospect answers")
    assert answers.proto.icon != ":material/arrow_forward:"  # its shortcut key is drawn as an arrow already
    answers.click().run()
    assert not at.exception and emoji_shown(at) == []


def test_every_objection_family_has_a_material_icon_streamlit_knows():
    from typing import get_args

    from streamlit.material_icon_names import ALL_MATERIAL_ICONS

    from closergym.content import Family
    from components.icons import FAMILY_ICONS

    assert set(FAMILY_ICONS) == set(get_args(Family))
    assert all(icon.startswith(":material/") and icon[10:-1] in ALL_MATERIAL_ICONS for icon in FAMILY_ICONS.values())
