"""Printable PDFs built with fpdf2: one lesson, or the whole Objection Sparring Playbook.

`lesson_pdf(lesson, lib)` lays out one lesson on A4: title, cluster and reading time, summary, the
body, each drill cell as a boxed exercise pointing to the Sparring page, then the FAQ. The body is
Markdown parsed by markdown-it-py and drawn by fpdf2's `write_html`, one top-level block at a time,
so headings get a bookmark and never sit alone at the foot of a page. Raw HTML in a lesson is shown
as text, never interpreted; images are not loaded; only web and mail links stay links.

`playbook_pdf(lib)` builds "The Objection Sparring Playbook" from the library and the engine's own
constants (`grading.MOVE_LABELS`, `RUBRIC`, `TIER_RULES`, `sparring.RULES`), so it never drifts from
what the app grades: the 4-step framework, the 3-round routine, the tier rules, then one section per
objection with its real concern, weak / strong / elite model answers, questions to ask and what to
avoid. Plain strings are drawn with fpdf2's text flow (`text_columns`), which parses nothing in them.

Text is set in Open Sans, which the `ttf-opensans` package ships, so Latin, Greek and Cyrillic print
and no font is fetched at run time. A character the font lacks is never dropped silently: it takes its
compatibility form when the font has that ("？" becomes "?"), a plain spelling for a few arrows, or
else the replacement character "\ufffd", and a note at the end of the document names what was
replaced. Nothing here imports Streamlit. Output is deterministic apart from the creation date.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Iterator
from typing import get_args

import ttf_opensans
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, TextStyle
from markdown_it import MarkdownIt
from markdown_it.token import Token

from closergym import tracks
from closergym.content import MOVES, Lesson, Library, Objection
from closergym.grading import (
    FIT_FLAGS,
    FLAG_ADVICE,
    FLAGS,
    MOVE_LABELS,
    RUBRIC,
    TIER_BANDS,
    TIER_RULES,
    WALL_OF_TEXT,
)
from closergym.sparring import DIFFICULTIES, ROUND_NAMES, ROUNDS, RULES

__all__ = ["REPLACEMENT", "drawable", "lesson_pdf", "playbook_pdf"]

# -- text: what the font can draw ------------------------------------------------------------------------

FONT = "opensans"
FONT_FILES = {"": ttf_opensans.OPENSANS_REGULAR, "B": ttf_opensans.OPENSANS_BOLD,
              "I": ttf_opensans.OPENSANS_ITALIC, "BI": ttf_opensans.OPENSANS_BOLDITALIC}
REPLACEMENT = "\ufffd"  # drawn in place of a character the font lacks
_SPELLED = {"\u2192": "->", "\u2190": "<-", "\u2194": "<->", "\u21d2": "=>", "\u21d0": "<=", "\u21d4": "<=>"}
_ZWJ = "\u200d"
_PLAIN_ASCII = re.compile(r"[\x20-\x7e\n]*")
_SPACES = re.compile(r"\s+")


def drawable(text: str, glyphs: Container[int]) -> tuple[str, list[str]]:
    """`text` as a font with `glyphs` (code points) can draw it, and the characters replaced on the way.

    A character the font lacks takes its letter and marks drawn apart ("Ṛ" as "R" and a dot below), its
    compatibility form or a plain spelling when the font has those, else REPLACEMENT (one for a whole emoji
    sequence). Invisible characters the font lacks (a zero-width space, a variation selector, a control
    character) are left out: there is nothing to show. A second pass puts back together what leaving them out
    brought side by side, so the result is what drawing it again would give.
    """
    once, replaced = _drawable_pass(text.replace("\t", "    "), glyphs)
    return _drawable_pass(once, glyphs)[0], replaced


def _drawable_pass(text: str, glyphs: Container[int]) -> tuple[str, list[str]]:
    out: list[str] = []
    replaced: list[str] = []
    after_stand_in = joined = False
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) in glyphs or ch == "\n":
            out.append(ch)
            after_stand_in = joined = False
            continue
        if ch == _ZWJ:
            joined = after_stand_in  # an emoji sequence: what follows belongs to the stand-in before it
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Mn", "Me") or (after_stand_in and (joined or category == "Sk")):
            joined = False
            continue
        for spelled in (unicodedata.normalize("NFD", ch), _SPELLED.get(ch) or unicodedata.normalize("NFKC", ch)):
            if spelled != ch and all(ord(part) in glyphs for part in spelled):
                out.append(spelled)
                after_stand_in = False
                break
        else:
            out.append(REPLACEMENT)
            replaced.append(ch)
            after_stand_in = True
    return "".join(out), replaced


# -- Markdown: markdown-it-py, with raw HTML and images off ----------------------------------------------

_MD = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
_MD.validateLink = lambda url: True  # every link parses, so its text reads cleanly; `_web_links_only` then
#                                     keeps the web and mail ones as links and the rest as plain text
_WEB_LINK = re.compile(r"^(?:https?:|mailto:)", re.IGNORECASE)
_QUOTED = re.compile(r'^["\u201c\u2018\'].*["\u201d\u2019\'][.!?]?$', re.DOTALL)


def _paragraph_open(renderer, tokens: list[Token], idx: int, options, env) -> str:
    # fpdf2 loses an item's bullet when a <p> opens inside the <li>: a loose item's paragraphs are
    # drawn as lines of the item instead
    if tokens[idx].meta.get("in_item"):
        return "" if tokens[idx - 1].type == "list_item_open" else "<br>"
    return renderer.renderToken(tokens, idx, options, env)


def _paragraph_close(renderer, tokens: list[Token], idx: int, options, env) -> str:
    return "" if tokens[idx].meta.get("in_item") else renderer.renderToken(tokens, idx, options, env)


_MD.add_render_rule("paragraph_open", _paragraph_open)
_MD.add_render_rule("paragraph_close", _paragraph_close)


def _prepare(tokens: list[Token], line_height: float) -> list[Token]:
    """Ready parsed tokens for fpdf2: line heights, paragraphs inside list items, links that stay links."""
    opened: list[Token] = []
    for token in tokens:
        if token.type in ("paragraph_open", "bullet_list_open", "ordered_list_open"):
            token.attrSet("line-height", f"{line_height:.3f}")
        if token.nesting == 1:
            parent = opened[-1].type if opened else ""
            token.meta["in_item"] = token.type == "paragraph_open" and parent == "list_item_open"
            opened.append(token)
        elif token.nesting == -1:
            token.meta["in_item"] = opened.pop().meta["in_item"]
        if token.children and opened and opened[-1].type in ("th_open", "td_open"):
            token.children = [Token("text", "", 0, content=_plain(token))]  # fpdf2 draws a cell in one style
        elif token.children:
            token.children = list(_web_links_only(token.children))
    return tokens


def _web_links_only(children: list[Token]) -> Iterator[Token]:
    """Inline tokens with links to anything but the web or mail reduced to their text (a PDF cannot follow them)."""
    dropped = False
    for child in children:
        if child.type == "link_open" and not _WEB_LINK.match(child.attrGet("href") or ""):
            dropped = True
            continue
        if child.type == "link_close" and dropped:
            dropped = False
            continue
        yield child


def _top_level(tokens: list[Token]) -> Iterator[list[Token]]:
    """The tokens of each top-level block (a heading, a paragraph, a whole list, a quote, a table...)."""
    start = depth = 0
    for index, token in enumerate(tokens):
        depth += token.nesting
        if depth == 0:
            yield tokens[start:index + 1]
            start = index + 1


def _plain(inline: Token) -> str:
    """The text of an inline token without its Markdown markers."""
    parts = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def is_example_line(text: str) -> bool:
    """A paragraph that is entirely a quoted line, like a model answer in a lesson."""
    return len(text) > 3 and bool(_QUOTED.match(text.strip()))


# -- the document ---------------------------------------------------------------------------------------

INK = (33, 37, 41)
SOFT = (73, 80, 87)
MUTED = (120, 126, 134)
ACCENT = (217, 72, 15)  # the app's primaryColor
ACCENT_TINT = (253, 239, 231)
CODE_FILL = (244, 245, 247)
LINE_GREY = (222, 226, 230)
TIER_COLOURS = {
    "weak": ((201, 42, 42), (253, 236, 236)),
    "strong": ((230, 119, 0), (255, 244, 230)),
    "elite": ((43, 138, 62), (235, 247, 238)),
}
LEFT = RIGHT = 20.0
TOP = 18.0
BOTTOM = 20.0
BODY_SIZE = 10.5
BODY_LINE = 5.4
PARA_GAP = 2.6
LIST_STEP = 6.5
_FLUSH = 0.001  # fpdf2 reads a top margin of 0 as "one line"; a hair above it leaves the spacing to `_Doc`
TAG_STYLES = {
    "a": FontFace(color=ACCENT, emphasis="UNDERLINE"),
    "code": FontFace(family=FONT, color=ACCENT),
    "p": TextStyle(t_margin=_FLUSH, b_margin=0),
    "blockquote": TextStyle(font_style="I", color=SOFT, t_margin=_FLUSH, b_margin=0, l_margin=0),
    "li": TextStyle(l_margin=LIST_STEP, t_margin=1.3),
    "ul": TextStyle(t_margin=_FLUSH),
    "ol": TextStyle(t_margin=_FLUSH),
}
Run = tuple[str, str]  # a piece of plain text and its style: "", "B", "I" or "BI"


class _Doc(FPDF):
    """A4 with Closer Gym's footer, the Unicode font and a few layout helpers."""

    def __init__(self, title: str, *, measuring_for: _Doc | None = None) -> None:
        measuring = measuring_for is not None
        super().__init__(orientation="P", unit="mm", format=(210, 3000) if measuring else "A4")
        if measuring_for is not None:  # the scratch page shares the fonts it measures with (it is never output)
            self.fonts.update(measuring_for.fonts)
        else:
            for style, font in FONT_FILES.items():
                self.add_font(FONT, style, font.path)
        self.doc_title = title.strip() or "Closer Gym"
        self.measuring = measuring
        self.replaced: set[str] = set()  # characters drawn as REPLACEMENT, named in a note at the end
        self._drawable: dict[str, str] = {}
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(not measuring, margin=BOTTOM)
        self.set_title(self.doc_title)
        self.set_author("Closer Gym")
        self.set_creator("Closer Gym")
        self.set_subject(self.doc_title)
        self.set_text_color(*INK)
        self.set_font(FONT, "", BODY_SIZE)
        self.c_margin = 0
        self._scratch: _Doc | None = None

    # every string fpdf2 draws or measures passes through here (cached by text alone: Open Sans's four
    # styles cover the same characters)
    def normalize_text(self, text: str) -> str:
        if _PLAIN_ASCII.fullmatch(text) or not self.is_ttf_font:
            return super().normalize_text(text)
        done = self._drawable.get(text)
        if done is None:
            done, replaced = drawable(text, self.current_font.cmap)
            self._drawable[text] = done
            self.replaced.update(replaced)
        return done

    # page furniture
    def footer(self) -> None:
        if self.measuring:
            return
        width = self.w - LEFT - RIGHT
        y = self.h - 13
        self.set_draw_color(*LINE_GREY)
        self.set_line_width(0.2)
        self.line(LEFT, y - 1.5, self.w - RIGHT, y - 1.5)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        label = self._fit(f"Closer Gym  \u00b7  {self.doc_title}", width * 0.75)
        self.set_xy(LEFT, y)
        self.cell(width * 0.75, 5, label, align="L")
        self.set_xy(LEFT + width * 0.75, y)
        self.cell(width * 0.25, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    def _fit(self, text: str, width: float) -> str:
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "...") > width:
            text = text[:-1]
        return text.rstrip() + "..."

    # layout helpers
    @property
    def content_width(self) -> float:
        return self.w - LEFT - RIGHT

    def ensure(self, height: float) -> None:
        """Start a new page unless `height` fits below the current position."""
        if not self.measuring and self.y + height > self.page_break_trigger and self.y > TOP + 1:
            self.add_page()

    def gap(self, height: float) -> None:
        if self.y > TOP + 0.5:  # no gap at the top of a page
            self.set_y(self.y + height)

    def _restore(self) -> None:
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_x(LEFT)
        self.set_text_color(*INK)
        self.set_font(FONT, "", BODY_SIZE)

    def write_runs(self, runs: Iterable[Run], *, x: float = LEFT, right: float = RIGHT, size: float = BODY_SIZE,
                   line: float = BODY_LINE, color: tuple[int, int, int] = INK) -> None:
        """Plain text in styled runs, wrapped from `x` to `right` (from the page's right edge) by fpdf2's
        text flow. Nothing in the text is parsed, so it needs no escaping."""
        self.set_text_color(*color)
        with (self.text_columns(l_margin=x, r_margin=right, line_height=line * self.k / size) as column,
              column.paragraph() as paragraph):
            for text, style in runs:
                self.set_font(FONT, style, size)
                paragraph.write(_SPACES.sub(" ", text))
        self._restore()

    def text_block(self, text: str, *, style: str = "", **options) -> None:
        self.write_runs([(text, style)], **options)

    def markdown(self, text: str, *, x: float = LEFT, right: float = RIGHT, size: float = BODY_SIZE,
                 line: float = BODY_LINE, color: tuple[int, int, int] = INK) -> None:
        """Markdown, parsed by markdown-it-py and drawn block by block."""
        tokens = _prepare(_MD.parse(text), line * self.k / size)
        previous = ""
        for block in _top_level(tokens):
            kind = block[0].type
            if previous and "heading_open" not in (kind, previous):
                self.gap(1.3 if kind.endswith("list_open") and previous.endswith("list_open") else PARA_GAP)
            if kind == "heading_open":
                level = max(int(block[0].tag[1:]), 2)
                self.heading(_plain(block[1]), size={2: 14, 3: 12}.get(level, 11), outline=level - 2,
                             before=5 if previous else 3)
            elif kind == "hr":
                self.ensure(4)
                self.set_draw_color(*LINE_GREY)
                self.set_line_width(0.3)
                self.line(x, self.y + 1.5, self.w - right, self.y + 1.5)
                self.set_line_width(0.2)
                self.set_y(self.y + 3)
            elif kind in ("fence", "code_block"):
                self.code_block(block[0].content.rstrip("\n"), x=x, right=right)
            elif kind == "blockquote_open":
                self.quote(self._html(block), x=x + 1, right=right, size=size)
            elif kind == "paragraph_open" and is_example_line(_plain(block[1])):
                self.ensure(line)
                self.html(f"<i>{self._html(block)}</i>", x=x + 4, right=right, size=size, color=SOFT)
            else:
                self.ensure(line)
                self.html(self._html(block), x=x, right=right, size=size, color=color)
            previous = kind

    @staticmethod
    def _html(tokens: list[Token]) -> str:
        return _MD.renderer.render(tokens, _MD.options, {})

    def html(self, markup: str, *, x: float = LEFT, right: float = RIGHT, size: float = BODY_SIZE,
             color: tuple[int, int, int] = INK) -> None:
        """HTML made by markdown-it-py (any other text in it must be escaped first), drawn by `write_html`."""
        self.set_margins(x, TOP, right)
        self.set_x(x)
        self.set_font(FONT, "", size)
        self.set_text_color(*color)
        self.write_html(markup, font_family=FONT, tag_styles=TAG_STYLES, li_prefix_color=ACCENT,
                        ul_bullet_char="\u2022")
        self._restore()

    def measure(self, draw: Callable[[_Doc], None]) -> float:
        """The height `draw` takes, found by drawing it on a scratch page."""
        if self._scratch is None:
            self._scratch = _Doc(self.doc_title, measuring_for=self)
            self._scratch.add_page()
        scratch = self._scratch
        scratch.set_xy(LEFT, TOP)
        draw(scratch)
        return scratch.y - TOP

    def heading(self, text: str, *, size: float = 14, before: float = 6, after: float = 2.2,
                outline: int | None = None, keep: float = 16, color: tuple[int, int, int] = INK) -> None:
        self.gap(before)
        line = size * 0.5
        height = self.measure(lambda d: d.text_block(text, size=size, line=line, style="B"))
        self.ensure(height + keep)
        if outline is not None and not self.measuring:
            self.start_section(" ".join(text.split()) or "Section", level=outline, strict=False)
        self.text_block(text, size=size, line=line, style="B", color=color)
        self.set_y(self.y + after)

    def overline(self, text: str, *, color: tuple[int, int, int] = ACCENT) -> None:
        self.set_font(FONT, "B", 8.5)
        self.set_text_color(*color)
        self.set_char_spacing(0.8)
        self.multi_cell(self.content_width, 4.5, text.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_char_spacing(0)
        self.set_text_color(*INK)
        self.set_font(FONT, "", BODY_SIZE)

    def accent_rule(self, width: float = 24) -> None:
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.7)
        self.line(LEFT, self.y, LEFT + width, self.y)
        self.set_line_width(0.2)

    def list_item(self, runs: list[Run], *, depth: int = 0, marker: str = "", base: float = LEFT,
                  right: float = RIGHT) -> None:
        """A bulleted (no `marker`) or numbered item with a hanging indent."""
        x = base + depth * LIST_STEP
        text_x = x + LIST_STEP
        self.ensure(BODY_LINE)
        y = self.y
        if marker:
            self.set_font(FONT, "B", BODY_SIZE)
            self.set_text_color(*ACCENT)
            self.set_xy(x - 2, y)
            self.cell(LIST_STEP + 0.5, BODY_LINE, marker, align="R")
        else:
            self.set_fill_color(*ACCENT)
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.25)
            self.circle(x + 1.6, y + BODY_LINE / 2, 0.8, style="F" if depth % 2 == 0 else "D")
        self.set_xy(text_x, y)
        self.write_runs(runs, x=text_x, right=right)

    def boxed(self, draw: Callable[[_Doc, float, float], None], *, bar: tuple[int, int, int],
              fill: tuple[int, int, int], pad: float = 3.2) -> None:
        """`draw(doc, x, right)` in a tinted box with a coloured bar on the left, kept on one page if it fits."""
        inner_x = LEFT + 1.4 + pad + 0.8

        def inner(doc: _Doc) -> None:
            draw(doc, inner_x, RIGHT + pad + 0.8)

        height = self.measure(inner) + 2 * pad - 1.0
        page_room = self.page_break_trigger - TOP
        if height <= page_room:
            self.ensure(height)
        y = self.y
        if height <= page_room or self.measuring:
            self.set_fill_color(*fill)
            self.rect(LEFT, y, self.content_width, height, style="F")
            self.set_fill_color(*bar)
            self.rect(LEFT, y, 1.4, height, style="F")
        self.set_y(y + pad - 0.5)
        inner(self)
        if height <= page_room:
            self.set_y(y + height)
        else:
            self.set_y(self.y + pad)

    def quote(self, markup: str, *, x: float, right: float = RIGHT, size: float = BODY_SIZE) -> None:
        self.ensure(BODY_LINE)
        page, y = self.page, self.y
        self.html(markup, x=x + 4, right=right, size=size, color=SOFT)
        top = y if self.page == page else TOP
        self.set_draw_color(*LINE_GREY)
        self.set_line_width(0.9)
        self.line(x + 0.5, top + 0.6, x + 0.5, self.y - 0.6)
        self.set_line_width(0.2)

    def code_block(self, text: str, *, x: float, right: float = RIGHT) -> None:
        self.set_font(FONT, "", 9)
        self.set_fill_color(*CODE_FILL)
        self.set_x(x)
        self.multi_cell(self.w - right - x, 4.6, text, fill=True, padding=(1.5, 2.5), new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)
        self.set_font(FONT, "", BODY_SIZE)

    def done(self) -> bytes:
        if self.replaced:  # say what the stand-ins stand for, so nothing is lost without a trace
            names = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"
                              for ch in sorted(self.replaced)[:12])
            more = f" and {len(self.replaced) - 12} more" if len(self.replaced) > 12 else ""
            self.gap(6)
            self.ensure(2 * BODY_LINE)
            self.text_block(f"{REPLACEMENT} marks a character this PDF's font cannot draw: {names}{more}.",
                            size=8.5, line=4.4, color=MUTED)
        return bytes(self.output())


# -- lesson -----------------------------------------------------------------------------------------


def _drill_note(doc: _Doc, lesson_drill, lib: Library | None) -> None:
    objection = lib.objections.get(lesson_drill.objection) if lib else None
    title = objection.title if objection else lesson_drill.objection.replace("-", " ").capitalize()

    def draw(d: _Doc, x: float, right: float) -> None:
        d.write_runs([("Drill: ", "B"), (title, "B")], x=x, right=right, color=INK)
        prompt = lesson_drill.prompt or (objection.lines[0] if objection else None)  # what the prospect says
        if prompt:
            d.set_y(d.y + 0.6)
            d.text_block(f"“{prompt}”", x=x, right=right, style="I", color=SOFT, size=10)
        d.set_y(d.y + 0.6)
        d.text_block("Write your answer, then practise it in this lesson's drill or on Closer Gym's Sparring page.",
                     x=x, right=right, color=MUTED, size=9.5, line=4.8)

    doc.boxed(draw, bar=ACCENT, fill=ACCENT_TINT)


def lesson_pdf(lesson: Lesson, lib: Library | None = None) -> bytes:
    """One lesson as an A4 PDF: title, cluster and reading time, summary, body, FAQ."""
    meta = lesson.meta
    doc = _Doc(meta.title)
    doc.add_page()
    doc.overline("Closer Gym lesson")
    doc.set_y(doc.y + 1.5)
    doc.text_block(meta.title, size=22, line=9.6, style="B")
    doc.set_y(doc.y + 1)
    doc.text_block(f"{meta.cluster}  \u00b7  {lesson.reading_minutes} min read", size=10, line=5,
                   color=MUTED)
    doc.set_y(doc.y + 3)
    doc.markdown(meta.summary, size=12, line=6.2, color=SOFT)
    doc.set_y(doc.y + 3.5)
    doc.accent_rule()
    doc.set_y(doc.y + 3)

    first = True
    for block in lesson.blocks:
        if not first:
            doc.gap(PARA_GAP)
        first = False
        if block.kind == "drill" and block.drill is not None:
            doc.gap(1.5)
            _drill_note(doc, block.drill, lib)
            doc.gap(1.5)
        elif block.text:
            doc.markdown(block.text)

    if meta.faq:
        first_q = doc.measure(lambda d: d.text_block(meta.faq[0].q, style="B", size=11, line=5.6))
        doc.heading("FAQ", size=14, before=8, outline=0, keep=first_q + 2 * BODY_LINE + 1)  # never alone at a foot
        for number, entry in enumerate(meta.faq):
            if number:
                doc.gap(3.2)
            height = doc.measure(lambda d, q=entry.q: d.text_block(q, style="B", size=11, line=5.6))
            doc.ensure(height + 2 * BODY_LINE)
            doc.text_block(entry.q, style="B", size=11, line=5.6)
            doc.set_y(doc.y + 0.8)
            doc.markdown(entry.a)

    extras = []
    if lib:
        related = [lib.lessons[s].title for s in meta.related if s in lib.lessons]
        drills = [lib.objections[s].title if s in lib.objections else
                  f"{tracks.TRACKS[found.track]} sparring: {found.title}" if (found := tracks.scenario(s)) else
                  "The whole second call (six steps)" for s in meta.drills]
        if drills:
            extras.append(("Drill this in sparring", drills))
        if related:
            extras.append(("Related lessons", related))
    if extras:
        doc.gap(6)
        doc.ensure(3 * BODY_LINE)
        doc.set_draw_color(*LINE_GREY)
        doc.line(LEFT, doc.y, doc.w - RIGHT, doc.y)
        doc.set_y(doc.y + 2.5)
        for label, titles in extras:
            doc.write_runs([(f"{label}: ", "B"), ("   \u00b7   ".join(titles), "")], size=9.5, line=5,
                           color=SOFT)
            doc.set_y(doc.y + 1)
    return doc.done()


# -- playbook ----------------------------------------------------------------------------------------

PLAYBOOK_TITLE = "The Objection Sparring Playbook"
CATEGORY_ORDER: tuple[str, ...] = get_args(Objection.model_fields["category"].annotation)
ROUND_WHY = {  # what each round asks of the rep (its name: `sparring.ROUND_NAMES`)
    1: "The prospect raises it. Run all four moves; clarify matters most, because you do not know yet what is "
       "behind the objection.",
    2: "The prospect reacts to your answer: harder after a weak one, opening up with a detail after a strong "
       "one. Use that detail in your reply.",
    3: "A second objection lands on top of the first, or the real concern finally surfaces. Clarify again "
       "instead of repeating your round 1 answer louder.",
}
TOC_ROW = 6.6
COLUMN_GAP = 8.0
# The objections the playbook prints in full (the twelve reps meet most); the rest of the library is listed
# at the end, each with its family and one line, to spar in the app.
PLAYBOOK_IN_FULL = frozenset({
    "need-to-think", "partner-decides", "tried-before", "too-expensive", "comparing-vendors", "send-info",
    "bad-timing", "happy-with-current", "run-by-boss", "not-interested", "email-proposal", "do-it-in-house",
})
MORE_TITLE = "More objections to spar"


def ordered_objections(lib: Library) -> list[Objection]:
    """The library's objections, by category (in the content model's order) then title."""
    def key(objection: Objection) -> tuple[int, str, str]:
        rank = CATEGORY_ORDER.index(objection.category) if objection.category in CATEGORY_ORDER else 99
        return rank, objection.title.casefold(), objection.slug

    return sorted(lib.objections.values(), key=key)


def playbook_split(lib: Library) -> tuple[list[Objection], list[Objection]]:
    """The objections printed in full and those only listed, each in `ordered_objections` order. A library
    without any of the twelve (one built for a test, say) prints its first twelve in full."""
    objections = ordered_objections(lib)
    in_full = [o for o in objections if o.slug in PLAYBOOK_IN_FULL] or objections[:len(PLAYBOOK_IN_FULL)]
    return in_full, [o for o in objections if o not in in_full]


def one_line(objection: Objection) -> str:
    """The objection in one line for the closing list: the first sentence of its real concern."""
    concern = " ".join(objection.real_concern.split())
    found = re.match(r"(.+?[.!?])(?:\s|$)", concern)
    return found.group(1) if found else concern


def _toc_pages(first_page_room: float, page_room: float, rows: int) -> int:
    first = max(0, int(first_page_room // TOC_ROW))
    if rows <= first:
        return 1
    return 1 + math.ceil((rows - first) / max(1, int(page_room // TOC_ROW)))


def _render_toc(doc: FPDF, outline: list) -> None:
    width = doc.w - LEFT - RIGHT
    for section in outline:
        if doc.y + TOC_ROW > doc.page_break_trigger:
            doc.add_page()
        indent = 6 if section.level else 0
        doc.set_font(FONT, "" if section.level else "B", 10 if section.level else 11)
        doc.set_text_color(*(SOFT if section.level else INK))
        link = doc.add_link(page=section.page_number)
        number = str(section.page_number)
        number_width = doc.get_string_width(number) + 1
        name = section.name
        room = width - indent - number_width - 8
        while name and doc.get_string_width(name) > room:
            name = name[:-1]
        if name != section.name:
            name = name.rstrip() + "..."
        name_width = doc.get_string_width(name) + 1.5
        y = doc.y
        doc.set_xy(LEFT + indent, y)
        doc.cell(name_width, TOC_ROW, name, link=link)
        dots_x = LEFT + indent + name_width
        dots_width = width - indent - name_width - number_width
        doc.set_text_color(*MUTED)
        dot = doc.get_string_width(". ")
        dots = ". " * max(0, int((dots_width - 1.5) // dot))
        doc.set_xy(dots_x, y)
        doc.cell(dots_width, TOC_ROW, dots, align="R", link=link)
        doc.set_text_color(*INK)
        doc.set_xy(LEFT + width - number_width, y)
        doc.cell(number_width, TOC_ROW, number, align="R", link=link)
        doc.set_xy(LEFT, y + TOC_ROW)


def _rebuttal_box(doc: _Doc, objection: Objection, tier: str) -> None:
    rebuttal = objection.rebuttal(tier)
    bar, fill = TIER_COLOURS[tier]
    moves = ", ".join(MOVE_LABELS.get(m, m) for m in rebuttal.moves)

    def draw(d: _Doc, x: float, right: float) -> None:
        d.write_runs([(f"{tier.capitalize()} answer", "B")], x=x, right=right, size=10.5, color=bar)
        d.set_y(d.y + 0.8)
        d.text_block(f"\u201c{rebuttal.text}\u201d", x=x, right=right, style="I", size=10.2,
                     line=5.2)
        d.set_y(d.y + 1.2)
        d.write_runs([("Why: ", "B"), (rebuttal.why, "")], x=x, right=right, size=9.8, line=5,
                     color=SOFT)
        if moves:
            d.set_y(d.y + 0.6)
            d.write_runs([("Moves: ", "B"), (moves, "")], x=x, right=right, size=9, line=4.6,
                         color=MUTED)

    doc.boxed(draw, bar=bar, fill=fill)


def _bullet_list(doc: _Doc, title: str, items: list[str], *, x: float, right: float) -> None:
    doc.ensure(4 * BODY_LINE)
    doc.text_block(title, x=x, right=right, size=11.5, line=5.8, style="B")
    doc.set_y(doc.y + 1.6)
    for number, item in enumerate(items):
        if number:
            doc.gap(1)
        doc.list_item([(item, "")], base=x, right=right)


def _objection_section(doc: _Doc, objection: Objection, number: int, total: int, lib: Library) -> None:
    doc.add_page()
    if number == 1:
        doc.start_section("The objections", level=0)
    doc.start_section(objection.title.strip() or objection.slug, level=1, strict=False)
    doc.overline(f"Objection {number} of {total}  \u00b7  {objection.category}")
    doc.set_y(doc.y + 1.2)
    doc.text_block(objection.title, size=18, line=8.2, style="B")
    doc.set_y(doc.y + 2)
    doc.accent_rule(18)
    doc.set_y(doc.y + 2)

    doc.heading("What's really going on", size=11.5, before=1, keep=8)
    doc.text_block(objection.real_concern)

    doc.heading("Model answers", size=11.5, before=3.5, keep=30)
    for index, tier in enumerate(("weak", "strong", "elite")):
        if index:
            doc.gap(2.4)
        _rebuttal_box(doc, objection, tier)

    # questions and pitfalls side by side, kept together
    column = (doc.content_width - COLUMN_GAP) / 2
    second_x = LEFT + column + COLUMN_GAP
    first_right = doc.w - LEFT - column

    def questions(d: _Doc) -> None:
        _bullet_list(d, "Questions to ask", objection.follow_up_questions, x=LEFT, right=first_right)

    def pitfalls(d: _Doc) -> None:
        _bullet_list(d, "What to avoid", objection.avoid, x=second_x, right=RIGHT)

    doc.gap(5)
    height = max(doc.measure(questions), doc.measure(pitfalls))
    if height <= doc.page_break_trigger - TOP:
        doc.ensure(height)
        top = doc.y
        questions(doc)
        bottom = doc.y
        doc.set_y(top)
        pitfalls(doc)
        doc.set_y(max(bottom, doc.y))
    else:  # too long to sit side by side on one page: one after the other
        _bullet_list(doc, "Questions to ask", objection.follow_up_questions, x=LEFT, right=RIGHT)
        doc.gap(4)
        _bullet_list(doc, "What to avoid", objection.avoid, x=LEFT, right=RIGHT)

    lesson = lib.lessons.get(objection.lesson) if objection.lesson else None
    if lesson:
        doc.gap(3)
        doc.write_runs([("Read next: ", "B"), (f"{lesson.title} (lesson)", "")], size=9.5, line=5,
                       color=MUTED)


def _more_section(doc: _Doc, listed: list[Objection], first_number: int) -> None:
    """The closing section: every objection not printed in full, with its family and one line."""
    doc.add_page()
    doc.heading(MORE_TITLE, size=17, before=0, outline=0)
    doc.text_block("The library holds these too, each with its prospects, pushback, curveballs and weak / strong / "
                   "elite model answers: pick one on the Sparring page and run the same routine.", color=SOFT)
    doc.gap(3)
    for number, objection in enumerate(listed, start=first_number):
        runs = [(objection.title, "B"), (f"  \u00b7  {objection.category.replace('_', ' ')}", "")]

        def entry(d: _Doc, runs=runs, objection=objection, number=number) -> None:
            d.list_item(runs, marker=f"{number}.")
            d.gap(0.6)
            d.write_runs([(one_line(objection), "")], x=LEFT + LIST_STEP, size=9.8, line=5, color=SOFT)

        doc.ensure(doc.measure(entry))
        entry(doc)
        doc.gap(2.4)


def playbook_pdf(lib: Library) -> bytes:
    """The Objection Sparring Playbook, generated from the library and the grading constants: the twelve
    objections reps meet most in full, then the rest of the library listed."""
    objections, listed = playbook_split(lib)
    doc = _Doc(PLAYBOOK_TITLE)
    doc.add_page()

    # title page
    doc.set_fill_color(*ACCENT)
    doc.rect(0, 0, doc.w, 6, style="F")
    doc.set_y(34)
    doc.overline("Closer Gym")
    doc.set_y(doc.y + 2)
    doc.text_block(PLAYBOOK_TITLE, size=30, line=12.5, style="B")
    doc.set_y(doc.y + 3)
    count = f"all {len(objections)} objections" if len(objections) > 1 else "every objection"
    if listed:
        count = (f"the {len(objections)} objections reps meet most, with a list of the other {len(listed)} "
                 "to spar")
    else:
        count += " in the library"
    doc.text_block(f"The 4-step framework, the {ROUNDS}-round sparring routine, how answers are graded, and "
                   f"model answers for {count}.", size=13, line=6.6, color=SOFT)
    doc.set_y(doc.y + 5)
    doc.accent_rule(30)
    doc.set_y(doc.y + 6)
    doc.text_block("How to use it: read the framework once, then work one objection at a time. Say the model "
                   "answers out loud, steal one phrase, and spar the same objection until you reach elite in "
                   "two sessions out of three.", color=SOFT)
    doc.set_y(doc.y + 8)
    doc.set_font(FONT, "B", 13)
    doc.cell(doc.content_width, 7, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_y(doc.y + 2)
    rows = 4 + len(objections) + (1 if listed else 0)
    pages = _toc_pages(doc.page_break_trigger - doc.y, doc.page_break_trigger - TOP, rows)
    doc.insert_toc_placeholder(_render_toc, pages=pages)

    # the framework
    doc.heading("The 4-step framework", size=17, before=0, outline=0)
    doc.text_block("Every answer to an objection is marked on four moves, each worth 0 to 2 points. Run them in "
                   "this order until they stop feeling like steps:")
    doc.gap(2)
    for number, move in enumerate(MOVES, start=1):
        runs = [(MOVE_LABELS.get(move, move.capitalize()), "B"), (". ", ""), (RUBRIC.get(move, ""), "")]
        doc.list_item(runs, marker=f"{number}.")
        doc.gap(1.6)
    doc.gap(1)
    doc.text_block("Behaviours, not magic words: each move is read inside a sentence, and saying it three times "
                   "earns nothing more.", color=SOFT, size=10)

    # the routine
    doc.heading(f"The {ROUNDS}-round sparring routine", size=17, before=9, outline=0)
    doc.text_block(f"Each session is {ROUNDS} rounds against one prospect, who has a persona, a mood and a "
                   "concern they have not told you yet.")
    doc.gap(2)
    for number in range(1, ROUNDS + 1):
        doc.list_item([(f"Round {number}: {ROUND_NAMES[number]}.", "B"), (f" {ROUND_WHY[number]}", "")],
                      marker=f"{number}.")
        doc.gap(1.6)
    doc.heading("Difficulty levels", size=12, before=3.5, keep=12)
    for difficulty in DIFFICULTIES:
        rules = RULES[difficulty]
        weak = "one weak answer" if rules.patience == 1 else f"{rules.patience} weak answers"
        patience = ("" if "weak answer" in rules.label else f" The call ends after {weak}." if rules.patience <= ROUNDS
                    else f" Stays on the line for all {ROUNDS} rounds, however they go.")
        doc.list_item([(difficulty.capitalize(), "B"), (f". {rules.label}{patience}", "")])
        doc.gap(1.3)
    doc.heading("Outcome is kept apart from score", size=12, before=3.5, keep=12)
    doc.text_block(f"After answer {ROUNDS}, or once the prospect's patience runs out, the session ends with an "
                   "outcome: advanced, stalled or lost (or respected, where they asked you to stop and you let "
                   "them go well). The score grades the part you control, the moves in "
                   "each answer; the outcome is reported separately. Some prospects will not move however "
                   "well you answer, just like real calls, so judge your progress on the score.")

    # grading
    def tiers(d: _Doc) -> None:
        d.text_block("Each answer gets a score out of 100 and a tier:")
        d.gap(2)
        for tier in ("weak", "strong", "elite"):
            low, high = TIER_BANDS.get(tier, (0, 0))
            d.ensure(BODY_LINE)
            y = d.y
            d.set_fill_color(*TIER_COLOURS[tier][0])
            d.rect(LEFT, y + 0.8, 1.4, BODY_LINE - 1.6, style="F")
            d.write_runs([(f"{tier.capitalize()} ({low}-{high})", "B"),
                          (f". {TIER_RULES.get(tier, '')}", "")], x=LEFT + 5)
            d.gap(1.8)

    doc.heading("How answers are graded", size=17, before=9, outline=0, keep=doc.measure(tiers))
    tiers(doc)
    doc.heading("Red flags", size=12, before=3.5, keep=12)
    doc.text_block("These cap an answer's tier however good the rest of it is:")
    doc.gap(2)
    for code, advice in FLAG_ADVICE.items():
        label, cap = FLAGS[code][:2] if code in FLAGS else FIT_FLAGS.get(code, (code.replace("_", " ").capitalize(), ""))
        capped = f" (caps at {cap})" if cap else ""
        if code == "monologue":
            capped = f" (over 160 words, or 110 with no question: caps at strong; over {WALL_OF_TEXT}: weak)"
        doc.list_item([(f"{label}{capped}", "B"), (f". {advice}", "")])
        doc.gap(1.3)
    doc.heading("After every session", size=12, before=3.5, keep=12)
    for question in ("Did I ask a real question?", "Did my answer use something they told me?",
                     "Did I finish with a time or an action?"):
        doc.list_item([(question, "")])
        doc.gap(1)
    doc.gap(1.5)
    doc.text_block("Any \"no\" tells you which move to work on next.", color=SOFT)

    for number, objection in enumerate(objections, start=1):
        _objection_section(doc, objection, number, len(objections), lib)
    if listed:
        _more_section(doc, listed, len(objections) + 1)
    return doc.done()
