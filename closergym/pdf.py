"""Printable PDFs built with fpdf2: one lesson, or the whole Objection Sparring Playbook.

`lesson_pdf(lesson, lib)` lays out one lesson on A4: title, cluster and reading time, summary, the
body rendered from its Markdown blocks (headings, paragraphs, nested bulleted and numbered lists,
**bold**, *italic*, `code`, quoted example lines and blockquotes in italic), each drill cell as a
boxed note pointing to the Sparring page, then the FAQ.

`playbook_pdf(lib)` builds "The Objection Sparring Playbook" from the library and the engine's own
constants (`grading.MOVE_LABELS`, `RUBRIC`, `TIER_RULES`, `sparring.RULES`), so it never drifts from
what the app grades: the 4-step framework, the 3-round routine, the tier rules, then one section per
objection with its real concern, weak / strong / elite model answers, questions to ask and what to
avoid.

Only fpdf2's built-in core fonts (Helvetica, Courier) are used, so no font file is needed at run
time. They cover Latin-1 only: every string goes through `pdf_text`, which maps typographic
punctuation to plain equivalents and drops emoji and anything else outside Latin-1, so arbitrary
content never raises. Nothing here imports Streamlit. Output is deterministic apart from the
creation date.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import get_args

from fpdf import FPDF
from fpdf.enums import XPos, YPos

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
from closergym.sparring import DIFFICULTIES, ROUNDS, RULES

__all__ = ["lesson_pdf", "pdf_text", "playbook_pdf"]

# -- text: unicode to the Latin-1 the core fonts can draw ---------------------------------------------

_CHAR_MAP = {
    # quotes and apostrophes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "\u02b9": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u02ba": '"',
    "\u2039": "<", "\u203a": ">", "\u300c": '"', "\u300d": '"',
    # dashes, hyphens, minus
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2043": "-", "\u2e3a": "-", "\u2e3b": "-", "\ufe58": "-", "\ufe63": "-",
    # dots and bullets
    "\u2026": "...", "\u2022": "\u00b7", "\u2023": "\u00b7", "\u2024": ".", "\u2027": "\u00b7",
    "\u2219": "\u00b7", "\u22c5": "\u00b7", "\u25cf": "\u00b7", "\u25e6": "\u00b7",
    "\u2044": "/", "\u2215": "/",
    # arrows and maths
    "\u2192": "->", "\u27f6": "->", "\u2794": "->", "\u279c": "->", "\u27a1": "->", "\u21d2": "=>",
    "\u2190": "<-", "\u27f5": "<-", "\u2b05": "<-", "\u21d0": "<=", "\u2194": "<->", "\u21d4": "<=>",
    "\u2191": "^", "\u2193": "v", "\u2260": "!=", "\u2264": "<=", "\u2265": ">=", "\u2248": "~",
    "\u223c": "~", "\u2261": "==", "\u221e": "infinity", "\u2030": " per mille", "\u2116": "No.",
    # symbols with a plain spelling
    "\u2122": "(TM)", "\u20ac": "EUR", "\u20b9": "INR", "\u20a9": "KRW", "\u20bd": "RUB", "\u2713": "",
    "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0152": "OE", "\u0153": "oe",
    "\u0131": "i", "\u0126": "H", "\u0127": "h", "\u0166": "T", "\u0167": "t",
    # spaces and invisible characters
    "\u00a0": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ",
    "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u205f": " ",
    "\u3000": " ", "\t": " ", "\u2028": "\n", "\u2029": "\n", "\r": "",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u180e": "",
}
_DROPPED = "\x00"  # marks where a character was dropped, so the spacing around it can be tidied
_EMOJI_RANGES = ((0x2139, 0x2139), (0x2190, 0x21FF), (0x2300, 0x23FF), (0x2460, 0x24FF), (0x25A0, 0x27BF), (0x2900, 0x297F),
                 (0x2B00, 0x2BFF), (0x3290, 0x329F), (0xFE00, 0xFE0F), (0x1F000, 0x1FAFF),
                 (0xE0000, 0xE007F))
_DROP_SPACES = re.compile(r"( ?)\x00+( ?)")
_NEEDS_WORK = re.compile(r"[^\x20-\x7e\n]")


def _latin1_printable(ch: str) -> bool:
    code = ord(ch)
    return 0x20 <= code < 0x7F or (0xA0 < code <= 0xFF and code != 0xAD)


def _emoji_like(code: int) -> bool:
    return any(low <= code <= high for low, high in _EMOJI_RANGES)


def _fold(ch: str) -> str | None:
    """A Latin-1 spelling of one character outside Latin-1, or None to drop it."""
    if _emoji_like(ord(ch)) or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "So", "Sk"):
        return None
    pieces = []
    for part in unicodedata.normalize("NFKD", ch):
        if part in _CHAR_MAP:
            pieces.append(_CHAR_MAP[part])
        elif _latin1_printable(part):
            pieces.append(part)
        elif unicodedata.combining(part):
            continue
        else:
            return None
    return "".join(pieces) or None


def pdf_text(value: object) -> str:
    """`value` as text the core PDF fonts can draw (Latin-1), never raising.

    Curly quotes become straight, dashes "-", an ellipsis "...", arrows "->", "≠" "!=", exotic spaces a
    plain space; accented letters outside Latin-1 lose their accent; emoji, symbols and scripts the
    fonts cannot draw are dropped, together with a space left doubled by the drop.
    """
    if value is None:
        return ""
    text = str(value)
    if not _NEEDS_WORK.search(text):
        return text
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    dropped = False
    for ch in text:
        mapped = _CHAR_MAP.get(ch)
        if mapped is not None:
            out.append(mapped)
        elif _latin1_printable(ch) or ch == "\n":
            out.append(ch)
        else:
            folded = _fold(ch)
            if folded is None:
                out.append(_DROPPED)
                dropped = True
            else:
                out.append(folded)
    result = "".join(out)
    if dropped:
        def tidy(match: re.Match) -> str:
            after = result[match.end():match.end() + 1]
            at_edge = match.start() == 0 or result[match.start() - 1] == "\n"
            if at_edge or (not match.group(2) and after and after in "\n,.;:!?)]}"):
                return ""
            return " " if match.group(1) or match.group(2) else ""

        result = _DROP_SPACES.sub(tidy, result)
    return result


# -- inline Markdown: runs of text with a style ---------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    mono: bool = False
    link: str = ""


@dataclass(frozen=True)
class Piece:
    text: str
    font: tuple[str, str, float]
    width: float
    link: str = ""


_WIDTHS: dict[tuple[tuple[str, str, float], str], float] = {}
_WRAPPED: dict[tuple, list[list[Piece]]] = {}  # wrapped lines, shared by measuring and drawing
_SPACES = re.compile(r"\s+")
_TOKENS = re.compile(r" |[^ ]+")


def _segments(pieces: list[Piece]) -> list[tuple[str, tuple[str, str, float], float, str]]:
    """Neighbouring pieces in the same font and link merged, to draw with one `text` call each."""
    merged: list[tuple[str, tuple[str, str, float], float, str]] = []
    for piece in pieces:
        if merged and merged[-1][1] == piece.font and merged[-1][3] == piece.link:
            text, font, width, link = merged[-1]
            merged[-1] = (text + piece.text, font, width + piece.width, link)
        else:
            merged.append((piece.text, piece.font, piece.width, piece.link))
    return merged


_INLINE = re.compile(
    r"\\(?P<esc>[\\`*_{}\[\]()#+\-.!>~|\"'])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\*\*\*(?P<bi>[^*\s](?:.*?[^*\s])?)\*\*\*"
    r"|\*\*(?P<b1>[^*\s](?:.*?[^\s])?)\*\*"
    r"|(?<![\w\\])__(?P<b2>[^_\s](?:.*?[^\s])?)__(?!\w)"
    r"|(?<![*\w\\])\*(?P<i1>[^*\s](?:[^*]*?[^*\s])?)\*(?![*\w])"
    r"|(?<![\w\\])_(?P<i2>[^_\s](?:[^_]*?[^_\s])?)_(?!\w)"
    r"|\[(?P<lt>[^\]\n]+)\]\((?P<lu>[^)\s]+)(?:\s+\"[^\"]*\")?\)"
)


def inline_runs(text: str, *, bold: bool = False, italic: bool = False, link: str = "") -> list[Run]:
    """Split inline Markdown into styled runs: **bold**, *italic* / _italic_, `code`, [links](url)."""
    runs: list[Run] = []
    cursor = 0
    for match in _INLINE.finditer(text):
        if match.start() > cursor:
            runs.append(Run(text[cursor:match.start()], bold, italic, link=link))
        kind = "lt" if match.group("lt") is not None else match.lastgroup
        if kind == "esc":
            runs.append(Run(match.group("esc"), bold, italic, link=link))
        elif kind == "code":
            runs.append(Run(match.group("code"), bold, italic, mono=True, link=link))
        elif kind == "bi":
            runs += inline_runs(match.group("bi"), bold=True, italic=True, link=link)
        elif kind in ("b1", "b2"):
            runs += inline_runs(match.group(kind), bold=True, italic=italic, link=link)
        elif kind in ("i1", "i2"):
            runs += inline_runs(match.group(kind), bold=bold, italic=True, link=link)
        elif kind == "lt":
            url = match.group("lu")
            safe = url if re.match(r"^(?:https?://|mailto:)", url, re.IGNORECASE) else link
            runs += inline_runs(match.group("lt"), bold=bold, italic=italic, link=safe)
        cursor = match.end()
    if cursor < len(text):
        runs.append(Run(text[cursor:], bold, italic, link=link))
    return [run for run in runs if run.text]


def plain(text: str) -> str:
    """Inline Markdown with its markers removed."""
    return "".join(run.text for run in inline_runs(text))


# -- block Markdown -----------------------------------------------------------------------------------


@dataclass
class MdBlock:
    kind: str  # heading, para, quote, example, bullet, number, code, rule
    text: str = ""
    level: int = 0  # heading level
    depth: int = 0  # list nesting: 0 for top-level items; for paragraphs inside an item, its depth + 1
    marker: str = ""  # "3." for numbered items


_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^( *)([-*+])\s+(.*)$")
_NUMBER = re.compile(r"^( *)(\d{1,9})[.)]\s+(.*)$")
_QUOTE = re.compile(r"^ *>\s?(.*)$")
_RULE = re.compile(r"^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_FENCE = re.compile(r"^ *(```|~~~)")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def parse_markdown(text: str) -> list[MdBlock]:
    """A small, forgiving Markdown block parser: enough for lessons, never raising on odd input."""
    blocks: list[MdBlock] = []
    current: MdBlock | None = None
    items: list[int] = []  # content indents of the open list items, outermost first
    after_blank = False
    fence: MdBlock | None = None
    fence_marker = ""

    def close() -> None:
        nonlocal current
        if current is not None:
            current.text = current.text.strip() if current.kind != "code" else current.text.rstrip("\n")
            if current.text or current.kind == "rule":
                blocks.append(current)
        current = None

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").split("\n"):
        line = raw.rstrip()
        if fence is not None:
            if line.strip().startswith(fence_marker):
                blocks.append(fence)
                fence = None
            else:
                fence.text += raw + "\n"
            continue
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped:
            close()
            after_blank = True
            continue
        if match := _FENCE.match(line):
            close()
            if indent < 2:
                items.clear()
            fence, fence_marker = MdBlock("code", depth=current_depth_for(indent, items)), match.group(1)
            continue
        if match := _HEADING.match(line):
            close()
            items.clear()
            blocks.append(MdBlock("heading", match.group(2), level=len(match.group(1))))
            after_blank = False
            continue
        if current is not None and current.kind == "para" and not after_blank and _SETEXT.match(line):
            current.kind, current.level = "heading", 1 if stripped.startswith("=") else 2
            close()
            items.clear()
            continue
        if _RULE.match(line):
            close()
            items.clear()
            blocks.append(MdBlock("rule"))
            after_blank = False
            continue
        item = _BULLET.match(line) or _NUMBER.match(line)
        if item:
            close()
            marker_indent = len(item.group(1))
            while items and marker_indent < items[-1] - 1:
                items.pop()
            if items and marker_indent < items[-1]:
                items.pop()
            depth = len(items)
            numbered = item.re is _NUMBER
            items.append(marker_indent + len(item.group(2)) + (2 if numbered else 1))
            current = MdBlock("number" if numbered else "bullet", item.group(3), depth=depth,
                              marker=f"{item.group(2)}." if numbered else "")
            after_blank = False
            continue
        if match := _QUOTE.match(line):
            body = match.group(1)
            if current is not None and current.kind == "quote" and not after_blank:
                if body.strip():
                    current.text += " " + body.strip()
                else:
                    close()
                    current = MdBlock("quote", depth=current_depth_for(indent, items))
            else:
                close()
                current = MdBlock("quote", body.strip(), depth=current_depth_for(indent, items))
            after_blank = False
            continue
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            close()
            if not _TABLE_SEPARATOR.match(stripped):
                cells = [cell.strip() for cell in stripped.strip("|").split("|")]
                blocks.append(MdBlock("para", "   |   ".join(cells), depth=current_depth_for(indent, items)))
            after_blank = False
            continue
        if current is not None and not after_blank and current.kind != "rule":
            current.text += " " + stripped  # a lazy continuation line
            continue
        close()
        if items and indent >= 2:
            depth = current_depth_for(indent, items)
            example = indent >= items[min(depth, len(items)) - 1] + 4
            current = MdBlock("example" if example else "para", stripped, depth=depth)
        else:
            items.clear()
            current = MdBlock("example" if indent >= 4 else "para", stripped)
        after_blank = False
    close()
    if fence is not None:
        blocks.append(fence)
    return blocks


def current_depth_for(indent: int, items: list[int]) -> int:
    """How deep a paragraph indented by `indent` sits inside the open list items (0: not in a list)."""
    depth = 0
    for level, content_indent in enumerate(items, start=1):
        if indent >= content_indent - 1:
            depth = level
    return depth if depth or not items or indent < 2 else 1


_QUOTED = re.compile(r'^["\u201c\u2018\'].*["\u201d\u2019\'][.!?]?$', re.DOTALL)


def is_example_line(text: str) -> bool:
    """A paragraph that is entirely a quoted line, like a model answer in a lesson."""
    return bool(_QUOTED.match(plain(text).strip())) and len(text) > 3


# -- the document ---------------------------------------------------------------------------------------

INK = (33, 37, 41)
SOFT = (73, 80, 87)
MUTED = (120, 126, 134)
ACCENT = (217, 72, 15)  # the app's primaryColor
ACCENT_TINT = (253, 239, 231)
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


class _Doc(FPDF):
    """A4 with Closer Gym's footer and a few layout helpers; every string goes through `pdf_text`."""

    def __init__(self, title: str, *, measuring: bool = False) -> None:
        super().__init__(orientation="P", unit="mm", format=(210, 3000) if measuring else "A4")
        self.doc_title = pdf_text(title).strip() or "Closer Gym"
        self.measuring = measuring
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(not measuring, margin=BOTTOM)
        self.set_title(self.doc_title)
        self.set_author("Closer Gym")
        self.set_creator("Closer Gym")
        self.set_subject(self.doc_title)
        self.set_text_color(*INK)
        self.set_font("Helvetica", "", BODY_SIZE)
        self.c_margin = 0
        self._scratch: _Doc | None = None

    # page furniture
    def footer(self) -> None:
        if self.measuring:
            return
        width = self.w - LEFT - RIGHT
        y = self.h - 13
        self.set_draw_color(*LINE_GREY)
        self.set_line_width(0.2)
        self.line(LEFT, y - 1.5, self.w - RIGHT, y - 1.5)
        self.set_font("Helvetica", "", 8)
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

    def _font_for(self, run: Run, *, size: float, bold: bool, italic: bool) -> tuple[str, str, float]:
        style = ("B" if run.bold or bold else "") + ("I" if run.italic or italic else "")
        if run.mono:
            return "Courier", style.replace("I", "") if "B" in style else style, size - 0.5
        return "Helvetica", style, size

    def _width(self, font: tuple[str, str, float], text: str) -> float:
        key = (font, text)
        width = _WIDTHS.get(key)
        if width is None:
            if len(_WIDTHS) > 50_000:
                _WIDTHS.clear()
            self.set_font(*font)
            width = _WIDTHS[key] = self.get_string_width(text)
        return width

    def wrap(self, runs: Iterable[Run], width: float, *, size: float = BODY_SIZE, bold: bool = False,
             italic: bool = False) -> list[list[Piece]]:
        """Break styled runs into lines no wider than `width`, at spaces (or inside a word too long to fit)."""
        runs = tuple(runs)
        key = (runs, round(width, 3), size, bold, italic)
        cached = _WRAPPED.get(key)
        if cached is None:
            if len(_WRAPPED) > 5_000:
                _WRAPPED.clear()
            cached = _WRAPPED[key] = self._wrap(runs, width, size=size, bold=bold, italic=italic)
        return cached

    def _wrap(self, runs: tuple[Run, ...], width: float, *, size: float, bold: bool,
              italic: bool) -> list[list[Piece]]:
        lines: list[list[Piece]] = []
        line: list[Piece] = []
        used = 0.0
        word: list[Piece] = []
        space: Piece | None = None

        def flush_word() -> None:
            nonlocal line, used, space
            if not word:
                return
            word_width = sum(piece.width for piece in word)
            space_width = space.width if (space and line) else 0.0
            if line and used + space_width + word_width > width + 0.01:
                lines.append(line)
                line, used, space_width = [], 0.0, 0.0
            if space_width and space:
                line.append(space)
                used += space_width
            for piece in word:
                if line and used + piece.width > width + 0.01 and word_width > width:
                    lines.append(line)
                    line, used = [], 0.0
                if piece.width > width:  # a single unbreakable token wider than the line: split it
                    for chunk in self._split_to_fit(piece, width - used, width):
                        if line and used + chunk.width > width + 0.01:
                            lines.append(line)
                            line, used = [], 0.0
                        line.append(chunk)
                        used += chunk.width
                else:
                    line.append(piece)
                    used += piece.width
            word.clear()
            space = None

        for run in runs:
            text = pdf_text(_SPACES.sub(" ", run.text))
            if not text:
                continue
            font = self._font_for(run, size=size, bold=bold, italic=italic)
            for token in _TOKENS.findall(text):
                if token == " ":
                    flush_word()
                    space = Piece(" ", font, self._width(font, " "), run.link)
                else:
                    word.append(Piece(token, font, self._width(font, token), run.link))
        flush_word()
        if line:
            lines.append(line)
        return lines

    def _split_to_fit(self, piece: Piece, first: float, width: float) -> list[Piece]:
        chunks: list[Piece] = []
        room = first if first > 5 else width
        current = ""
        for ch in piece.text:
            if current and self._width(piece.font, current + ch) > room:
                chunks.append(Piece(current, piece.font, self._width(piece.font, current), piece.link))
                current, room = "", width
            current += ch
        if current:
            chunks.append(Piece(current, piece.font, self._width(piece.font, current), piece.link))
        return chunks

    def write_runs(self, runs: Iterable[Run], *, x: float = LEFT, right: float = RIGHT, size: float = BODY_SIZE,
                   line: float = BODY_LINE, italic: bool = False, bold: bool = False,
                   color: tuple[int, int, int] = INK) -> None:
        """Flow styled runs from `x` to the right margin, wrapping with a hanging indent at `x`."""
        lines = self.wrap(runs, self.w - right - x, size=size, bold=bold, italic=italic)
        for pieces in lines:
            if self.measuring:
                self.y += line
                continue
            self.ensure(line)
            y, cursor = self.y, x
            for text, font, width, link in _segments(pieces):
                self.set_font(font[0], font[1] + ("U" if link else ""), font[2])
                self.set_text_color(*(ACCENT if link else color))
                self.text(cursor, y + line / 2 + 0.3 * self.font_size, text)  # the baseline `cell` would use
                if link:
                    self.link(cursor, y, width, line, link)
                cursor += width
            self.set_xy(x, y + line)
        self.set_x(LEFT)
        self.set_text_color(*INK)
        self.set_font("Helvetica", "", BODY_SIZE)

    def text_block(self, text: str, *, x: float = LEFT, size: float = BODY_SIZE, line: float = BODY_LINE,
                   bold: bool = False, italic: bool = False, color: tuple[int, int, int] = INK,
                   markdown: bool = True, right: float = RIGHT) -> None:
        runs = inline_runs(text) if markdown else [Run(text)]
        self.write_runs(runs, x=x, size=size, line=line, bold=bold, italic=italic, color=color, right=right)

    def measure(self, draw: Callable[[_Doc], None]) -> float:
        """The height `draw` takes, found by drawing it on a scratch page."""
        if self._scratch is None:
            self._scratch = _Doc(self.doc_title, measuring=True)
            self._scratch.add_page()
        scratch = self._scratch
        scratch.set_xy(LEFT, TOP)
        draw(scratch)
        return scratch.y - TOP

    def heading(self, text: str, *, size: float = 14, before: float = 6, after: float = 2.2,
                outline: int | None = None, keep: float = 16, color: tuple[int, int, int] = INK) -> None:
        self.gap(before)
        line = size * 0.5
        height = self.measure(lambda d: d.text_block(text, size=size, line=line, bold=True))
        self.ensure(height + keep)
        if outline is not None and not self.measuring:
            self.start_section(pdf_text(plain(text)).strip() or "Section", level=outline, strict=False)
        self.text_block(text, size=size, line=line, bold=True, color=color)
        self.set_y(self.y + after)

    def overline(self, text: str, *, color: tuple[int, int, int] = ACCENT) -> None:
        self.set_font("Helvetica", "B", 8.5)
        self.set_text_color(*color)
        self.set_char_spacing(0.8)
        self.multi_cell(self.content_width, 4.5, pdf_text(text).upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_char_spacing(0)
        self.set_text_color(*INK)
        self.set_font("Helvetica", "", BODY_SIZE)

    def accent_rule(self, width: float = 24) -> None:
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.7)
        self.line(LEFT, self.y, LEFT + width, self.y)
        self.set_line_width(0.2)

    def list_item(self, runs: list[Run], *, depth: int = 0, marker: str = "", base: float = LEFT,
                  italic: bool = False, right: float = RIGHT) -> None:
        """A bulleted (no `marker`) or numbered item with a hanging indent."""
        x = base + depth * LIST_STEP
        text_x = x + LIST_STEP
        self.ensure(BODY_LINE)
        y = self.y
        if marker:
            self.set_font("Helvetica", "B", BODY_SIZE)
            self.set_text_color(*ACCENT)
            self.set_xy(x - 2, y)
            self.cell(LIST_STEP + 0.5, BODY_LINE, pdf_text(marker), align="R")
        else:
            self.set_fill_color(*ACCENT)
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.25)
            self.circle(x + 1.6, y + BODY_LINE / 2, 0.8, style="F" if depth % 2 == 0 else "D")
        self.set_xy(text_x, y)
        self.write_runs(runs, x=text_x, italic=italic, right=right)

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

    # Markdown body
    def markdown(self, text: str) -> None:
        """Render a lesson's Markdown text."""
        previous: MdBlock | None = None
        for block in parse_markdown(text):
            listish = block.kind in ("bullet", "number") or block.depth > 0
            if previous is not None and block.kind != "heading" and previous.kind != "heading":
                was_listish = previous.kind in ("bullet", "number") or previous.depth > 0
                if listish and was_listish:
                    self.gap(2.0 if block.kind in ("bullet", "number") and previous.depth > 0
                             and previous.kind not in ("bullet", "number") else 1.3)
                else:
                    self.gap(PARA_GAP)
            base = LEFT + block.depth * LIST_STEP
            if block.kind == "heading":
                level = max(block.level, 2)
                self.heading(block.text, size={2: 14, 3: 12}.get(level, 11), outline=level - 2,
                             before=5 if previous is not None else 3)
            elif block.kind in ("bullet", "number"):
                self.list_item(inline_runs(block.text), depth=block.depth, marker=block.marker)
            elif block.kind == "rule":
                self.ensure(4)
                self.set_draw_color(*LINE_GREY)
                self.set_line_width(0.3)
                self.line(LEFT, self.y + 1.5, self.w - RIGHT, self.y + 1.5)
                self.set_y(self.y + 3)
            elif block.kind == "code":
                self.code_block(block.text, x=base)
            elif block.kind == "quote":
                self.quote(block.text, x=base + 1)
            elif block.kind == "example" or is_example_line(block.text):
                self.ensure(BODY_LINE)
                self.text_block(block.text, x=base + 4, italic=True, color=SOFT)
            else:
                self.ensure(BODY_LINE)
                self.text_block(block.text, x=base)
            previous = block

    def quote(self, text: str, *, x: float) -> None:
        self.ensure(BODY_LINE)
        page, y = self.page, self.y
        self.text_block(text, x=x + 4, italic=True, color=SOFT)
        top = y if self.page == page else TOP
        self.set_draw_color(*LINE_GREY)
        self.set_line_width(0.9)
        self.line(x + 0.5, top + 0.6, x + 0.5, self.y - 0.6)
        self.set_line_width(0.2)

    def code_block(self, text: str, *, x: float) -> None:
        self.set_font("Courier", "", 9)
        self.set_fill_color(244, 245, 247)
        self.set_text_color(*INK)
        self.set_x(x)
        lines = [pdf_text(line) for line in text.split("\n")] or [""]
        self.multi_cell(self.w - RIGHT - x, 4.6, "\n".join(lines), fill=True, padding=(1.5, 2.5),
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", "", BODY_SIZE)

    def done(self) -> bytes:
        return bytes(self.output())


# -- lesson -----------------------------------------------------------------------------------------


def _drill_note(doc: _Doc, lesson_drill, lib: Library | None) -> None:
    objection = lib.objections.get(lesson_drill.objection) if lib else None
    title = objection.title if objection else lesson_drill.objection.replace("-", " ").capitalize()

    def draw(d: _Doc, x: float, right: float) -> None:
        d.write_runs([Run("Drill: ", bold=True), Run(title, bold=True)], x=x, right=right, color=INK)
        prompt = lesson_drill.prompt or (objection.lines[0] if objection else None)  # what the prospect says
        if prompt:
            d.set_y(d.y + 0.6)
            d.text_block(f"“{prompt}”", x=x, right=right, italic=True, color=SOFT, size=10)
        d.set_y(d.y + 0.6)
        d.text_block("Write your answer, then practise it in this lesson's drill or on Closer Gym's Sparring page.",
                     x=x, right=right, color=MUTED, size=9.5, line=4.8, markdown=False)

    doc.boxed(draw, bar=ACCENT, fill=ACCENT_TINT)


def lesson_pdf(lesson: Lesson, lib: Library | None = None) -> bytes:
    """One lesson as an A4 PDF: title, cluster and reading time, summary, body, FAQ."""
    meta = lesson.meta
    doc = _Doc(meta.title)
    doc.add_page()
    doc.overline("Closer Gym lesson")
    doc.set_y(doc.y + 1.5)
    doc.text_block(meta.title, size=22, line=9.6, bold=True, markdown=False)
    doc.set_y(doc.y + 1)
    doc.text_block(f"{meta.cluster}  \u00b7  {lesson.reading_minutes} min read", size=10, line=5,
                   color=MUTED, markdown=False)
    doc.set_y(doc.y + 3)
    doc.text_block(meta.summary, size=12, line=6.2, color=SOFT)
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
        first_q = doc.measure(lambda d: d.text_block(meta.faq[0].q, bold=True, size=11, line=5.6))
        doc.heading("FAQ", size=14, before=8, outline=0, keep=first_q + 2 * BODY_LINE + 1)  # never alone at a foot
        for number, entry in enumerate(meta.faq):
            if number:
                doc.gap(3.2)
            height = doc.measure(lambda d, q=entry.q: d.text_block(q, bold=True, size=11, line=5.6))
            doc.ensure(height + 2 * BODY_LINE)
            doc.text_block(entry.q, bold=True, size=11, line=5.6)
            doc.set_y(doc.y + 0.8)
            doc.text_block(entry.a)

    extras = []
    if lib:
        related = [lib.lessons[s].title for s in meta.related if s in lib.lessons]
        drills = [lib.objections[s].title if s in lib.objections else "The whole second call (six steps)"
                  for s in meta.drills]
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
            doc.write_runs([Run(f"{label}: ", bold=True), Run("   \u00b7   ".join(titles))], size=9.5, line=5,
                           color=SOFT)
            doc.set_y(doc.y + 1)
    return doc.done()


# -- playbook ----------------------------------------------------------------------------------------

PLAYBOOK_TITLE = "The Objection Sparring Playbook"
CATEGORY_ORDER: tuple[str, ...] = get_args(Objection.model_fields["category"].annotation)
ROUND_NAMES = {
    1: ("The objection", "The prospect raises it. Run all four moves; clarify matters most, because you do "
                         "not know yet what is behind the objection."),
    2: ("The pushback", "The prospect reacts to your answer: harder after a weak one, opening up with a "
                        "detail after a strong one. Use that detail in your reply."),
    3: ("The curveball", "A second objection lands on top of the first, or the real concern finally "
                         "surfaces. Clarify again instead of repeating your round 1 answer louder."),
}
TOC_ROW = 6.6
COLUMN_GAP = 8.0


def ordered_objections(lib: Library) -> list[Objection]:
    """The library's objections, by category (in the content model's order) then title."""
    def key(objection: Objection) -> tuple[int, str, str]:
        rank = CATEGORY_ORDER.index(objection.category) if objection.category in CATEGORY_ORDER else 99
        return rank, pdf_text(objection.title).lower(), objection.slug

    return sorted(lib.objections.values(), key=key)


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
        doc.set_font("Helvetica", "" if section.level else "B", 10 if section.level else 11)
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
        d.write_runs([Run(f"{tier.capitalize()} answer", bold=True)], x=x, right=right, size=10.5, color=bar)
        d.set_y(d.y + 0.8)
        d.text_block(f"\u201c{rebuttal.text}\u201d", x=x, right=right, italic=True, markdown=False, size=10.2,
                     line=5.2)
        d.set_y(d.y + 1.2)
        d.write_runs([Run("Why: ", bold=True), Run(rebuttal.why)], x=x, right=right, size=9.8, line=5,
                     color=SOFT)
        if moves:
            d.set_y(d.y + 0.6)
            d.write_runs([Run("Moves: ", bold=True), Run(moves)], x=x, right=right, size=9, line=4.6,
                         color=MUTED)

    doc.boxed(draw, bar=bar, fill=fill)


def _bullet_list(doc: _Doc, title: str, items: list[str], *, x: float, right: float) -> None:
    doc.ensure(4 * BODY_LINE)
    doc.text_block(title, x=x, right=right, size=11.5, line=5.8, bold=True, markdown=False)
    doc.set_y(doc.y + 1.6)
    for number, item in enumerate(items):
        if number:
            doc.gap(1)
        doc.list_item([Run(item)], base=x, right=right)


def _objection_section(doc: _Doc, objection: Objection, number: int, total: int, lib: Library) -> None:
    doc.add_page()
    if number == 1:
        doc.start_section("The objections", level=0)
    doc.start_section(pdf_text(objection.title).strip() or objection.slug, level=1, strict=False)
    doc.overline(f"Objection {number} of {total}  \u00b7  {objection.category}")
    doc.set_y(doc.y + 1.2)
    doc.text_block(objection.title, size=18, line=8.2, bold=True, markdown=False)
    doc.set_y(doc.y + 2)
    doc.accent_rule(18)
    doc.set_y(doc.y + 2)

    doc.heading("What's really going on", size=11.5, before=1, keep=8)
    doc.text_block(objection.real_concern, markdown=False)

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
        doc.write_runs([Run("Read next: ", bold=True), Run(f"{lesson.title} (lesson)")], size=9.5, line=5,
                       color=MUTED)


def playbook_pdf(lib: Library) -> bytes:
    """The Objection Sparring Playbook, generated from the library and the grading constants."""
    objections = ordered_objections(lib)
    doc = _Doc(PLAYBOOK_TITLE)
    doc.add_page()

    # title page
    doc.set_fill_color(*ACCENT)
    doc.rect(0, 0, doc.w, 6, style="F")
    doc.set_y(34)
    doc.overline("Closer Gym")
    doc.set_y(doc.y + 2)
    doc.text_block(PLAYBOOK_TITLE, size=30, line=12.5, bold=True, markdown=False)
    doc.set_y(doc.y + 3)
    count = f"all {len(objections)} objections" if len(objections) > 1 else "every objection"
    doc.text_block(f"The 4-step framework, the {ROUNDS}-round sparring routine, how answers are graded, and "
                   f"model answers for {count} in the library.", size=13, line=6.6, color=SOFT, markdown=False)
    doc.set_y(doc.y + 5)
    doc.accent_rule(30)
    doc.set_y(doc.y + 6)
    doc.text_block("How to use it: read the framework once, then work one objection at a time. Say the model "
                   "answers out loud, steal one phrase, and spar the same objection until you reach elite in "
                   "two sessions out of three.", color=SOFT)
    doc.set_y(doc.y + 8)
    doc.set_font("Helvetica", "B", 13)
    doc.cell(doc.content_width, 7, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_y(doc.y + 2)
    rows = 4 + len(objections)
    pages = _toc_pages(doc.page_break_trigger - doc.y, doc.page_break_trigger - TOP, rows)
    doc.insert_toc_placeholder(_render_toc, pages=pages)

    # the framework
    doc.heading("The 4-step framework", size=17, before=0, outline=0)
    doc.text_block("Every answer to an objection is marked on four moves, each worth 0 to 2 points. Run them in "
                   "this order until they stop feeling like steps:")
    doc.gap(2)
    for number, move in enumerate(MOVES, start=1):
        runs = [Run(MOVE_LABELS.get(move, move.capitalize()), bold=True), Run(". "), Run(RUBRIC.get(move, ""))]
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
        name, description = ROUND_NAMES.get(number, (f"Round {number}", ""))
        doc.list_item([Run(f"Round {number}: {name.lower()}.", bold=True), Run(f" {description}")],
                      marker=f"{number}.")
        doc.gap(1.6)
    doc.heading("Difficulty levels", size=12, before=3.5, keep=12)
    for difficulty in DIFFICULTIES:
        rules = RULES[difficulty]
        weak = "one weak answer" if rules.patience == 1 else f"{rules.patience} weak answers"
        patience = ("" if "weak answer" in rules.label else f" The call ends after {weak}." if rules.patience <= ROUNDS
                    else f" Stays on the line for all {ROUNDS} rounds, however they go.")
        doc.list_item([Run(difficulty.capitalize(), bold=True), Run(f". {rules.label}{patience}")])
        doc.gap(1.3)
    doc.heading("Outcome is kept apart from score", size=12, before=3.5, keep=12)
    doc.text_block(f"After answer {ROUNDS}, or once the prospect's patience runs out, the session ends with an "
                   "outcome: advanced, stalled or lost. The score grades the part you control, the moves in "
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
            d.write_runs([Run(f"{tier.capitalize()} ({low}-{high})", bold=True),
                          Run(f". {TIER_RULES.get(tier, '')}")], x=LEFT + 5)
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
        doc.list_item([Run(f"{label}{capped}", bold=True), Run(f". {advice}")])
        doc.gap(1.3)
    doc.heading("After every session", size=12, before=3.5, keep=12)
    for question in ("Did I ask a real question?", "Did my answer use something they told me?",
                     "Did I finish with a time or an action?"):
        doc.list_item([Run(question)])
        doc.gap(1)
    doc.gap(1.5)
    doc.text_block("Any \"no\" tells you which move to work on next.", color=SOFT)

    for number, objection in enumerate(objections, start=1):
        _objection_section(doc, objection, number, len(objections), lib)
    return doc.done()
