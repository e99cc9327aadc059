"""A small PDF layer over fpdf2 for the reports: deterministic, plain, readable.

Deterministic: the creation date is the moment the content is "as of" (never the time of
rendering), fonts are the PDF core fonts (nothing embedded that could change), and fpdf2
derives the file id from the content. The core fonts hold Latin-1 only: any other
character prints as "?", so every report states that its JSON files hold the exact text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableCellFillMode, XPos, YPos

from facedocket.reports.suppress import Shown

INK = (27, 27, 27)
BAR = (31, 78, 156)
MUTED = (90, 90, 90)
HEADING_FILL = (225, 230, 240)
ROW_FILL = (246, 246, 246)


def latin(text: str) -> str:
    """Text the core fonts can print; anything else becomes "?"."""
    return text.encode("latin-1", "replace").decode("latin-1")


class Pdf(FPDF):
    """An A4 document with a running footer naming it and the page."""

    def __init__(self, title: str, as_of: datetime) -> None:
        super().__init__(format="A4")
        self.label = latin(title)
        self.set_creation_date(as_of)
        self.set_title(self.label)
        self.set_creator("FaceDocket")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.label} - page {self.page_no()} of {{nb}}", align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.set_font("helvetica", "B", size)
        self.set_text_color(*INK)
        self.multi_cell(
            0, size * 0.5, latin(text), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(1.5)

    def paragraph(self, text: str, size: int = 10, style: str = "") -> None:
        self.set_font("helvetica", style, size)
        self.set_text_color(*INK)
        self.multi_cell(
            0, size * 0.48, latin(text), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(1.5)

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Label and value lines, the label in bold."""
        for label, value in pairs:
            self.set_font("helvetica", "B", 9)
            self.set_text_color(*INK)
            self.cell(48, 4.6, latin(label))
            self.set_font("helvetica", "", 9)
            self.multi_cell(
                0, 4.6, latin(value), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.ln(2)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        first: float,
        numbers: bool = False,
    ) -> None:
        """A table; the first column ``first`` wide, the rest sharing what is left (and
        aligned right when they hold ``numbers``)."""
        self.set_font("helvetica", size=8)
        self.set_text_color(*INK)
        self.set_draw_color(*MUTED)
        self.set_fill_color(*ROW_FILL)
        rest = (self.epw - first) / max(len(header) - 1, 1)
        widths = (first, *([rest] * (len(header) - 1)))
        align = ("LEFT", *(["RIGHT" if numbers else "LEFT"] * (len(header) - 1)))
        with self.table(
            col_widths=widths,
            line_height=4.2,
            text_align=align,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            cell_fill_color=ROW_FILL,
            cell_fill_mode=TableCellFillMode.ROWS,
        ) as table:
            heading = table.row()
            for name in header:
                heading.cell(latin(name))
            for row in rows:
                line = table.row()
                for value in row:
                    line.cell(latin(value))
        self.ln(3)

    def bars(self, title: str, bars: Sequence[tuple[str, Shown]]) -> None:
        """A horizontal bar chart; a withheld count gets the word and no bar."""
        row, label_width, bar_width = 6.0, 58.0, 90.0
        if self.will_page_break(row * (len(bars) + 2)):
            self.add_page()
        self.set_font("helvetica", "B", 10)
        self.set_text_color(*INK)
        self.cell(0, 6, latin(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        largest = max((value for _, value in bars if value), default=1)
        self.set_font("helvetica", size=9)
        for label, value in bars:
            y = self.get_y()
            short = label if len(label) <= 34 else label[:33] + "..."
            self.set_xy(self.l_margin, y)
            self.cell(label_width - 2, row, latin(short), align="R")
            length = 0.0 if value is None else bar_width * value / largest
            if length:
                self.set_fill_color(*BAR)
                self.rect(self.l_margin + label_width, y + 1, length, row - 2, style="F")
            self.set_xy(self.l_margin + label_width + length + 2, y)
            self.cell(30, row, "withheld" if value is None else str(value))
            self.set_xy(self.l_margin, y + row)
        if not bars:
            self.cell(0, row, "none in this period", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def render(self) -> bytes:
        return bytes(self.output())
