"""The annual report as one self-contained HTML page: inline CSS and SVG, no script.

Every text from the store (agency and gallery names) is escaped; the charts are
``reports.charts``' SVG bars.
"""

from __future__ import annotations

from html import escape

from facedocket.reports.annual import AnnualReport
from facedocket.reports.charts import Chart, svg
from facedocket.reports.charts import count as _count
from facedocket.reports.suppress import Table
from facedocket.reports.witnessed import describe

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #1b1b1b;
  line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
.meta { color: #555; margin-top: 0; }
.headline { display: flex; gap: 2rem; margin: 1.5rem 0; }
.headline div { background: #eef3fb; border-radius: 6px; padding: 0.8rem 1.4rem; }
.headline strong { display: block; font-size: 2.2rem; color: #1f4e9c; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr)); gap: 1rem; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th, tr.total td { background: #f1f1f1; font-weight: 600; }
.notice { border-left: 4px solid #c0392b; padding-left: 0.8rem; }
footer { border-top: 1px solid #ccc; margin-top: 2rem; font-size: 0.9rem; color: #444; }
code { word-break: break-all; }
svg.chart { max-width: 100%; height: auto; }
"""


def render_html(report: AnnualReport) -> bytes:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}, {escape(report.period.label)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="meta">Report period {escape(report.period.describe())}. '
        f"Prepared for {escape(report.oversight_body)} under policy "
        f"{escape(report.policy)}.</p>",
        '<div class="headline">',
        f"<div><strong>{_count(report.requests)}</strong>requests received</div>",
        f"<div><strong>{_count(report.searches)}</strong>searches run</div>",
        "</div>",
        '<p class="notice">A face search returns a list of candidates: an investigative '
        "lead, never an identification.</p>",
        '<section class="charts">',
        *(_chart(chart) for chart in report.charts()),
        "</section>",
        *(_table(table) for table in report.tables),
        "<footer>",
        f"<p>{escape(report.suppression_note())}</p>",
        "<p>This report holds aggregates only: no names, case numbers or request numbers.</p>",
        f"<p>{escape(report.head_note())}</p>",
        f"<p>Latest signed checkpoint: {escape(report.checkpoint or 'none yet')}.</p>",
        f"<p>{escape(describe(report.cosigned))}</p>",
        *(
            [f'<pre class="note">{escape(report.cosigned.note)}</pre>']
            if report.cosigned is not None
            else []
        ),
        "</footer></body></html>",
    ]
    return ("\n".join(parts) + "\n").encode()


def _chart(chart: Chart) -> str:
    return f"<figure><figcaption>{escape(chart.title)}</figcaption>{svg(chart)}</figure>"


def _table(table: Table) -> str:
    single = len(table.columns) == 1
    header = [table.row_heading, *table.columns, *([] if single else ["total"])]
    lines = [f"<h2>{escape(table.title)}</h2>", "<table><thead><tr>"]
    lines += [f"<th>{escape(name)}</th>" for name in header]
    lines.append("</tr></thead><tbody>")
    for label, cells, total in zip(table.rows, table.cells, table.row_totals, strict=True):
        values = [*cells, *([] if single else [total])]
        lines.append(f"<tr><td>{escape(label)}</td>")
        lines += [f"<td>{_count(value)}</td>" for value in values]
        lines.append("</tr>")
    totals = [*table.column_totals, *([] if single else [table.total])]
    lines.append('<tr class="total"><td>total</td>')
    lines += [f"<td>{_count(value)}</td>" for value in totals]
    lines.append("</tr></tbody></table>")
    return "".join(lines)
