"""'What to drill next' on Home, Sparring and Progress, and the Sparring picker's 'Next up' option."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from closergym import schedule, store
from closergym.content import library
from tests.conftest import app_for, unescaped


def answer(db, trainee_id: int, slug: str, tier: str, when: datetime) -> None:
    store.save_turn(db, {
        "trainee_id": trainee_id, "round": 1, "objection_slug": slug, "prompt": "p", "rebuttal": "r",
        "tier": tier, "score": {"weak": 20, "strong": 60, "elite": 90}[tier],
        "acknowledge": 1, "clarify": 1, "respond": 1, "advance": 1,
        "created_at": when.strftime("%Y-%m-%d %H:%M:%S.000"),
    })


def everything_practised(db, trainee_id: int, *, weak: str) -> None:
    """Every objection answered elite on two days a month ago, except `weak`, answered weak two weeks ago."""
    month_ago = datetime.now(UTC) - timedelta(days=30)
    for slug in library().objections:
        for day in range(2):
            answer(db, trainee_id, slug, "elite", month_ago + timedelta(days=day))
    answer(db, trainee_id, weak, "weak", datetime.now(UTC) - timedelta(days=14))


def panel_text(at) -> str:
    return " ".join(block.value for block in [*at.markdown, *at.caption])


def test_a_new_trainee_is_sent_to_an_objection_never_tried(trainee):
    at = app_for(trainee, "app_pages/home.py")
    assert not at.exception
    text = unescaped(panel_text(at))
    assert "What to drill next" in text and "you have not sparred this one yet." in text
    assert "Nothing practised yet." in text and "Due today" not in text
    first = next(iter(library().objections))
    assert [link.proto.query_string for link in at.get("page_link") if link.proto.label == "Drill it now"] == \
        [f"objection={first}"]
    bar = at.get("progress")[0]
    assert bar.proto.text.startswith(f"0 of {len(library().objections)} objections mastered")


def test_home_favours_the_due_weak_objection_and_shows_progress_to_mastery(db, trainee):
    everything_practised(db, trainee["id"], weak="too-expensive")
    at = app_for(trainee, "app_pages/home.py")
    text = unescaped(panel_text(at))
    title = library().objections["too-expensive"].title
    assert f"**{title}**" in text and "Last answer: weak" in text
    short = library().objections["too-expensive"].short
    assert "Due today:" in text and f"“{short}”, overdue by" in text.split("Due today:")[1]
    # Elite answers on two days master every objection; a later weak answer takes that one back.
    total = len(library().objections)
    assert at.get("progress")[0].proto.text.startswith(schedule.mastery_label(total - 1, total))
    links = [link.proto.query_string for link in at.get("page_link") if link.proto.label == "Drill it now"]
    assert links == ["objection=too-expensive"]


def test_next_due_in_the_sparring_picker_starts_that_objection(db, trainee):
    everything_practised(db, trainee["id"], weak="not-interested")
    at = app_for(trainee, "app_pages/sparring.py")
    picker = at.selectbox[0]
    assert picker.value == "next_due"
    title = library().objections["not-interested"].title
    assert picker.format_func("next_due") == f"Next up: {title}"
    at.button[0].click().run()  # Start sparring
    assert not at.exception
    session = next(db.query("SELECT * FROM sessions WHERE trainee_id = ? ORDER BY id DESC", [trainee["id"]]))
    assert session["objection_slug"] == "not-interested"


def test_progress_lists_every_card(db, trainee):
    answer(db, trainee["id"], "too-expensive", "strong", datetime.now(UTC) - timedelta(days=2))
    at = app_for(trainee, "app_pages/progress.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == len(library().objections)
    row = table[table["Objection"] == library().objections["too-expensive"].short].iloc[0]
    assert (row["Answers"], row["Last"], row["Strong or better"], bool(row["Mastered"])) == (1, "strong", 1, False)
    assert set(table[table["Answers"] == 0]["Due"]) == {"not practised yet"}
