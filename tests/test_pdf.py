"""The printable PDFs: the playbook and every lesson, read back with pypdf and rendered with pdfium."""

from __future__ import annotations

import io
import re
import time
import typing
import unicodedata

import pypdf
import pypdfium2 as pdfium
import pytest
import ttf_opensans
from fontTools.ttLib import TTFont
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closergym.content import Library, Objection, library, parse_lesson
from closergym.grading import MOVE_LABELS, RUBRIC, TIER_RULES
from closergym.pdf import (
    MORE_TITLE,
    PLAYBOOK_IN_FULL,
    REPLACEMENT,
    drawable,
    lesson_pdf,
    one_line,
    ordered_objections,
    playbook_pdf,
    playbook_split,
)
from closergym.sparring import RULES
from tests.conftest import run_cli

LIB = library()
LESSONS = list(LIB.lessons.values())
CATEGORIES = typing.get_args(Objection.model_fields["category"].annotation)
GLYPHS = TTFont(ttf_opensans.OPENSANS_REGULAR.path).getBestCmap()  # what the PDFs' font can draw

SYNTHETIC = """---
title: "Emoji 🎯 and “curly” quotes — <b>not bold</b>"
slug: synthetic-lesson
cluster: Closing
summary: "Arrows → and ≠ signs… an emoji 🚀, and <script>alert('x')</script> shown as text."
faq:
  - q: "Does “this” question 🤔 survive?"
    a: "Yes, with **bold**, *italic*, `code` and <div onclick='x'>html</div>."
  - q: "Ünïcödé — Łódź, 東京, Привет, ﬁne?"
    a: "It drops what the fonts cannot draw."
---
## Heading with 🔥 and “quotes”

Paragraph with **bold**, *italic*, `code`, a [link](https://example.com), <img src=x onerror=alert(1)>
and a very long unbreakable token: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.

> A blockquote with ‘single’ quotes…

- Bullet with emoji 👍
  - Nested bullet
1. Numbered
2. Second

   "An example line under the item."

```python
print("code block with “quotes” and a tab\there")
```

| a | b |
|---|---|
| **1** and [a link](https://example.com) | 2 |

```drill
objection: too-expensive
prompt: "Try it 💪"
```

```drill
objection: not-in-the-library
```
"""

LINKS_LESSON = """---
title: Links
slug: links
cluster: Closing
summary: Which links a printed lesson keeps.
---
Read [the guide](https://example.com/guide), write to [the coach](mailto:coach@example.com), open
[another lesson](handling-price), skip [a script](javascript:alert(1)) and ![a chart](https://example.com/c.png).
"""


def norm(text: str) -> str:
    """Letters and digits only, lowercased, in their compatibility forms (the PDF's "ﬁ" reads as "fi")."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


FOOTER = re.compile(r"^Closer Gym .*Page \d+ of \d+\s*$", re.MULTILINE)


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def body_text(pages: list[str]) -> str:
    """All pages' text without the footers, so a paragraph running over a page break reads whole."""
    return norm(" ".join(FOOTER.sub("", page) for page in pages))


def first_page_image(data: bytes):
    document = pdfium.PdfDocument(data)
    try:
        return document[0].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()


def assert_not_blank(image) -> None:
    histogram = image.convert("L").histogram()  # pixel counts by grey level, 0 (black) to 255 (white)
    inked = sum(histogram[:200]) / sum(histogram)
    assert inked > 0.01, f"only {inked:.2%} of the page is inked"
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 1


@pytest.fixture(scope="module")
def playbook() -> bytes:
    return playbook_pdf(LIB)


@pytest.fixture(scope="module")
def playbook_pages(playbook) -> list[str]:
    return page_texts(playbook)


def test_library_loads_cleanly():
    assert LIB.objections and LIB.lessons and not LIB.errors


def test_playbook_is_an_a4_pdf(playbook):
    assert playbook.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(playbook))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == "The Objection Sparring Playbook"


def test_playbook_has_its_twelve_in_full_the_framework_and_the_routine(playbook_pages):
    text = body_text(playbook_pages)
    assert norm("The Objection Sparring Playbook") in text
    in_full, _ = playbook_split(LIB)
    assert {o.slug for o in in_full} == PLAYBOOK_IN_FULL
    for objection in in_full:
        assert norm(objection.title) in text, objection.slug
        assert norm(objection.real_concern) in text, objection.slug
        for tier in ("weak", "strong", "elite"):
            assert norm(objection.rebuttal(tier).text) in text, (objection.slug, tier)
            assert norm(objection.rebuttal(tier).why) in text, (objection.slug, tier)
        for line in objection.follow_up_questions + objection.avoid:
            assert norm(line) in text, (objection.slug, line)
    for move, label in MOVE_LABELS.items():
        assert norm(label) in text
        assert norm(RUBRIC[move]) in text
    for words in ("Round 1: the objection", "Round 2: the pushback", "Round 3: the curveball"):
        assert norm(words) in text
    for rules in RULES.values():
        assert norm(rules.label) in text
    for rule in TIER_RULES.values():
        assert norm(rule) in text
    assert norm("Outcome is kept apart from score") in text
    assert norm("advanced, stalled or lost") in text


def test_the_rest_of_the_library_is_listed_at_the_end_with_family_and_one_line(playbook_pages):
    in_full, listed = playbook_split(LIB)
    assert listed and len(listed) == len(LIB.objections) - 12
    start = next(i for i, page in enumerate(playbook_pages) if i and page.lstrip().startswith(MORE_TITLE))
    closing = body_text(playbook_pages[start:])
    assert start > max(i for i, page in enumerate(playbook_pages) if norm(in_full[-1].title) in norm(page))
    for objection in listed:
        entry = norm(f"{objection.title} \u00b7 {objection.category.replace('_', ' ')}")
        assert entry in closing, objection.slug
        assert norm(one_line(objection)) in closing and one_line(objection).endswith((".", "!", "?"))
        assert norm(objection.rebuttal("elite").text) not in body_text(playbook_pages)  # listed, not printed
    order = [closing.index(norm(o.title)) for o in listed]
    assert order == sorted(order)


def test_playbook_orders_objections_by_category_then_title(playbook_pages):
    in_full, _ = playbook_split(LIB)
    first_page = {}
    for number, page in enumerate(playbook_pages[1:], start=2):  # page 1 holds the contents
        for objection in in_full:
            if norm(objection.title) in norm(page):
                first_page.setdefault(objection.slug, number)
    assert set(first_page) == PLAYBOOK_IN_FULL
    by_page = sorted(first_page, key=lambda slug: (first_page[slug], slug))
    assert by_page == [o.slug for o in ordered_objections(LIB) if o.slug in PLAYBOOK_IN_FULL]
    ranks = [CATEGORIES.index(LIB.objections[slug].category) for slug in by_page]
    assert ranks == sorted(ranks)


def test_playbook_contents_and_bookmarks_point_at_the_right_pages(playbook, playbook_pages):
    contents = playbook_pages[0].splitlines()
    for objection in playbook_split(LIB)[0]:
        line = next(line for line in contents if line.startswith(objection.title))
        page = int(re.search(r"(\d+)\s*$", line).group(1))
        assert norm(objection.title) in norm(playbook_pages[page - 1]), objection.slug
    reader = pypdf.PdfReader(io.BytesIO(playbook))

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item

    entries = list(walk(reader.outline))
    assert len(entries) >= len(PLAYBOOK_IN_FULL) + 4  # the framework, routine, grading, the twelve, the rest
    assert any(entry.title == MORE_TITLE for entry in entries)
    for entry in entries:
        page = reader.get_destination_page_number(entry)
        assert norm(entry.title) in norm(playbook_pages[page]), entry.title


def test_playbook_footer_numbers_every_page(playbook_pages):
    total = len(playbook_pages)
    for number, page in enumerate(playbook_pages, start=1):
        assert f"Page {number} of {total}" in page
        assert "Closer Gym" in page


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_lesson_pdf_has_title_headings_and_faq(lesson):
    data = lesson_pdf(lesson, LIB)
    assert data.startswith(b"%PDF-")
    pages = page_texts(data)
    text = body_text(pages)
    assert norm(lesson.title) in text
    assert norm(lesson.meta.summary) in text
    assert norm(f"{lesson.meta.cluster} · {lesson.reading_minutes} min read") in text
    assert lesson.headings
    for heading in lesson.headings:
        assert norm(heading) in text, heading
    for entry in lesson.meta.faq:
        assert norm(entry.q) in text, entry.q
        assert norm(entry.a) in text, entry.q
    for cell in lesson.drill_cells:
        assert norm(f"Drill: {LIB.objections[cell.objection].title}") in text
        assert norm(cell.prompt or LIB.objections[cell.objection].lines[0]) in text  # what the prospect says
    if lesson.drill_cells:
        assert norm("practise it in this lesson's drill or on Closer Gym's Sparring page") in text
    assert f"Page 1 of {len(pages)}" in pages[0]


def test_lesson_body_keeps_its_words_in_order():
    lesson = LIB.lessons["objection-framework"]
    text = body_text(page_texts(lesson_pdf(lesson, LIB)))
    for block in lesson.blocks:
        for paragraph in block.text.split("\n\n"):
            assert norm(paragraph) in text, paragraph[:60]


def test_first_pages_render_with_ink(playbook):
    assert_not_blank(first_page_image(playbook))
    assert_not_blank(first_page_image(lesson_pdf(LESSONS[0], LIB)))


def test_synthetic_lesson_with_emoji_quotes_and_html_renders():
    lesson = parse_lesson(SYNTHETIC)
    for lib in (LIB, None):
        data = lesson_pdf(lesson, lib)
        pages = page_texts(data)
        raw = " ".join(pages)
        text = norm(raw)
        assert norm(lesson.title) in text
        # typographic punctuation prints as typed; HTML is shown as text, never interpreted
        assert f"Emoji {REPLACEMENT} and \u201ccurly\u201d quotes \u2014 <b>not bold</b>" in raw
        assert "<script>alert('x')</script>" in raw and "<img src=x onerror=alert(1)>" in raw
        assert "<div onclick='x'>html</div>" in raw
        assert "Arrows -> and \u2260 signs\u2026" in raw  # an arrow the font lacks is spelled out
        for heading in lesson.headings:
            assert norm(heading) in text
        for entry in lesson.meta.faq:
            assert norm(entry.q.replace("東京", "")) in text
        assert "Łódź" in raw and "Привет" in raw
        assert norm("Drill: Not in the library") in text
        assert_not_blank(first_page_image(data))


def test_latin_greek_and_cyrillic_names_print_in_every_style():
    names = ("Zoë Ørsted", "Σωκράτης", "Дмитрий")
    lesson = parse_lesson(f"""---
title: "Calls with {names[0]}"
slug: names
cluster: Closing
summary: "{names[1]} and {names[2]} in the summary."
faq:
  - q: "What did {names[2]} ask?"
    a: "*{names[0]}* answered **{names[1]}**."
---
## {names[1]}

- {names[2]} in a list, then in a drill's prompt.

```drill
objection: too-expensive
prompt: "{names[0]}, {names[1]}, {names[2]}"
```
""")
    raw = " ".join(page_texts(lesson_pdf(lesson, LIB)))
    for name in names:
        assert raw.count(name) >= 4, name
    assert REPLACEMENT not in raw and "cannot draw" not in raw


def test_characters_the_font_lacks_are_replaced_visibly_and_named():
    lesson = parse_lesson(SYNTHETIC.replace("## Heading", "## 東京 👍🏽 👨\u200d👩\u200d👧 Heading"))
    pages = page_texts(lesson_pdf(lesson, LIB))
    raw = " ".join(pages)
    assert f"{REPLACEMENT}{REPLACEMENT} {REPLACEMENT} {REPLACEMENT} Heading" in raw  # one per emoji, however built
    note = " ".join(FOOTER.sub("", pages[-1]).split())
    assert f"{REPLACEMENT} marks a character this PDF's font cannot draw:" in note
    for name in ("U+1F3AF DIRECT HIT", "U+6771 CJK UNIFIED IDEOGRAPH-6771", "U+1F44D THUMBS UP SIGN"):
        assert name in note


def test_empty_library_still_makes_a_playbook():
    data = playbook_pdf(Library())
    assert norm("The 4-step framework") in norm(" ".join(page_texts(data)))


def test_pdfs_are_quick():
    # CPU time, which other work on a shared machine barely moves (bench/pdf_build.py prints both)
    start = time.process_time()
    playbook_pdf(LIB)
    middle = time.process_time()
    lesson_pdf(LESSONS[0], LIB)
    end = time.process_time()
    assert middle - start < 3 and end - middle < 1  # typically ~1 s and ~0.2 s; generous for slow CI


@pytest.mark.parametrize(("raw", "expected", "replaced"), [
    ("“Hi” — it’s ‘fine’…", "“Hi” — it’s ‘fine’…", ""),
    ("Zoë Ørsted, Σωκράτης, Дмитрий", "Zoë Ørsted, Σωκράτης, Дмитрий", ""),
    ("a → b ⇒ c ≠ d ≤ e", "a -> b => c ≠ d ≤ e", ""),
    ("💸 Too expensive", f"{REPLACEMENT} Too expensive", "💸"),
    ("Thumbs 👍🏽 up", f"Thumbs {REPLACEMENT} up", "👍"),
    ("a 👨\u200d👩\u200d👧 b", f"a {REPLACEMENT} b", "👨"),
    ("❤️ and ☕", f"{REPLACEMENT} and {REPLACEMENT}", "❤☕"),
    ("東京", REPLACEMENT * 2, "東京"),
    ("fullwidth？！", "fullwidth?!", ""),
    ("zero\u200bwidth\u2060joiner", "zero\u200bwidthjoiner", ""),
    ("bell\x07 and\ttab", "bell and    tab", ""),
    ("cafe\u0301", "café", ""),
])
def test_drawable_replaces_what_the_font_lacks_visibly(raw, expected, replaced):
    assert drawable(raw, GLYPHS) == (expected, list(replaced))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_drawable_never_raises_and_drops_nothing_visible(value):
    out, replaced = drawable(value, GLYPHS)
    assert all(ord(ch) in GLYPHS or ch == "\n" for ch in out)
    assert drawable(out, GLYPHS) == (out, [])
    assert out.count(REPLACEMENT) == len(replaced) + value.count(REPLACEMENT)
    for ch in replaced:  # each one was in the text, and visible
        assert ch in unicodedata.normalize("NFC", value)
        assert unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Mn", "Me")
    if all(ord(ch) in GLYPHS for ch in value.replace("\t", "")):  # nothing lost: the same text, its marks apart or not
        assert unicodedata.normalize("NFC", out) == unicodedata.normalize("NFC", value.replace("\t", "    "))


MARKDOWN_PIECES = ["text ", "Zoë ", "🎯", "\n", "\n\n", "  ", "\t", "- ", "  - ", "1. ", "1) ", "> ", "> - ", "- > ",
                   "## ", "### ", "---\n", "**bold**", "*it*", "_", "`c`", "\\", "<b>x</b>", "&amp;", "[l](https://x.y)",
                   "[r](rel)", "![i](https://x/i.png)", "```\ncode\n```\n", "    indented\n", "- ```\n  x\n  ```\n",
                   "| a | b |\n|---|---|\n| **1** x | 2 |\n", "> | a |\n> |---|\n> | [l](https://x.y) y |\n"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400) | st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=60).map("".join))
def test_any_lesson_body_renders(body):
    front = "---\ntitle: Any body\nslug: any-body\ncluster: Closing\nsummary: Whatever the body holds.\n---\n"
    try:
        lesson = parse_lesson(front + body)
    except ValueError:  # a body that happens to contain a broken drill fence
        return
    assert lesson_pdf(lesson, LIB).startswith(b"%PDF-")


def test_playbook_command_writes_the_same_pdf_text(isolated_db, tmp_path):
    out = tmp_path / "playbook.pdf"
    done = run_cli("playbook", "--out", str(out), db_path=isolated_db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Wrote the playbook ({len(library().objections)} objections")
    assert body_text(page_texts(out.read_bytes())) == body_text(page_texts(playbook_pdf(library())))
    bad = run_cli("playbook", "--out", str(tmp_path / "missing" / "p.pdf"), db_path=isolated_db)
    assert bad.returncode == 2 and "could not write" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.slug for lesson in LESSONS])
def test_no_lesson_page_ends_on_a_lone_heading(lesson):
    pages = page_texts(lesson_pdf(lesson, LIB))
    for page in pages[:-1]:
        body = [line for line in page.splitlines() if line.strip() and "Page " not in line]
        assert body[-1].strip() not in {"FAQ", *lesson.headings}, body[-1]


def test_only_web_and_mail_links_stay_links_and_images_are_links_not_loaded():
    lesson = parse_lesson(LINKS_LESSON)
    reader = pypdf.PdfReader(io.BytesIO(lesson_pdf(lesson, LIB)))
    uris = {annotation.get_object()["/A"]["/URI"] for page in reader.pages
            for annotation in page.get("/Annots", ()) if "/A" in annotation.get_object()}
    assert uris == {"https://example.com/c.png", "https://example.com/guide", "mailto:coach@example.com"}
    text = norm(" ".join(page.extract_text() for page in reader.pages))
    assert norm("open another lesson, skip a script and !a chart.") in text and "javascript" not in text
