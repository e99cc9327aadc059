"""The annual report as PDF: the same figures and charts as the HTML page, for print."""

from __future__ import annotations

from facedocket.reports.annual import AnnualReport
from facedocket.reports.pdf import Pdf
from facedocket.reports.suppress import Shown, Table
from facedocket.reports.witnessed import describe


def render_pdf(report: AnnualReport) -> bytes:
    pdf = Pdf(f"{report.title}, {report.period.label}", report.as_of)
    pdf.heading(report.title, 16)
    pdf.paragraph(
        f"Report period {report.period.describe()}. Prepared for {report.oversight_body} "
        f"under policy {report.policy}."
    )
    pdf.fields(
        [
            ("Requests received", _count(report.requests)),
            ("Searches run", _count(report.searches)),
        ]
    )
    pdf.paragraph(
        "A face search returns a list of candidates: an investigative lead, never an "
        "identification.",
        style="B",
    )
    for chart in report.charts():
        pdf.bars(chart.title, chart.bars)
    for table in report.tables:
        _table(pdf, table)
    pdf.heading("Notes", 11)
    pdf.paragraph(report.suppression_note(), 9)
    pdf.paragraph(
        "This report holds aggregates only: no names, case numbers or request numbers.", 9
    )
    pdf.paragraph(report.head_note(), 9)
    pdf.paragraph(f"Latest signed checkpoint: {report.checkpoint or 'none yet'}.", 9)
    pdf.paragraph(describe(report.cosigned), 9)
    return pdf.render()


def _table(pdf: Pdf, table: Table) -> None:
    single = len(table.columns) == 1
    header = [table.row_heading, *table.columns, *([] if single else ["total"])]
    rows = [
        [label, *map(_count, cells), *([] if single else [_count(total)])]
        for label, cells, total in zip(table.rows, table.cells, table.row_totals, strict=True)
    ]
    rows.append(
        ["total", *map(_count, table.column_totals), *([] if single else [_count(table.total)])]
    )
    pdf.heading(table.title, 11)
    pdf.grid(header, rows, first=52, numbers=True)


def _count(value: Shown) -> str:
    return "withheld" if value is None else str(value)
