"""Producing the annual report: count, render each format, list the files, go on record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from facedocket.governance.access import acting_role
from facedocket.kernel.actors import Actor
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import load_policy
from facedocket.reports.annual import annual_report
from facedocket.reports.annual_html import render_html
from facedocket.reports.exports import PUBLIC_REPORT_ROLES, record_export
from facedocket.reports.files import Files, with_manifest
from facedocket.reports.periods import annual
from facedocket.settings import Settings

FORMATS = ("html", "pdf")


def produce_annual(
    session: Session, settings: Settings, actor: Actor, year: int, formats: tuple[str, ...]
) -> Files:
    """The report for the period starting in ``year``, in each format, on the record."""
    role = acting_role(actor, PUBLIC_REPORT_ROLES, "produce the annual report")
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise Refused(
            f"formats are {', '.join(FORMATS)}; not {', '.join(unknown) or 'none'}",
            code=RefusalCode.INVALID,
        )
    policy = load_policy(settings.policy)
    report = annual_report(session, policy, annual(policy, year))
    # fpdf2 loads only when a report is written, not with every command that imports this.
    from facedocket.reports.annual_pdf import render_pdf  # noqa: PLC0415

    renderers = {"html": render_html, "pdf": render_pdf}
    files = {
        f"annual-report-{report.period.label}.{kind}": renderers[kind](report) for kind in formats
    }
    files = with_manifest(
        files,
        {
            "report": "annual public report (aggregates only)",
            "period": report.period.describe(),
            "policy": report.policy,
            "audit_head": f"entry {report.head_seq}, hash {report.head_hash}",
            "cosigned_checkpoint": report.cosigned.record() if report.cosigned else None,
        },
    )
    record_export(
        session,
        actor,
        role,
        "annual",
        ("report", f"annual-{report.period.label}"),
        files,
        {"period": report.period.label, "audit_head_seq": report.head_seq},
    )
    return files
