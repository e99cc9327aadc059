"""The reports page: the oversight dashboard, and the quarterly, annual and compliance
reports, the law's own reports and the public search log produced, viewed and downloaded.

Producing a report here is the same act as ``facedocket reports``: the same library call
makes the same files (and manifest), and puts the production on the record. "View" shows
what was produced; "Download" answers the files as one ZIP, which unpacks to the folder
the command writes (``facedocket reports verify`` checks it).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from markupsafe import Markup
from starlette.responses import Response

from facedocket.cases.bodies import offered_bodies
from facedocket.kernel import clock
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import list_packs, load_policy
from facedocket.reports.charts import stacked_svg, svg
from facedocket.reports.compliance import CHECKS, compliance_export
from facedocket.reports.dashboard import dashboard
from facedocket.reports.exports import CONFIDENTIAL_ROLES
from facedocket.reports.files import MANIFEST, Files, manifest_about, sha256
from facedocket.reports.law import law_report, report_kinds
from facedocket.reports.public_log import public_log_export
from facedocket.reports.publish import FORMATS, produce_annual
from facedocket.reports.quarterly import COLUMNS, quarterly_export
from facedocket.web.deps import Caller, ReadSession, Reporter, ServicesDep, WriteSession
from facedocket.web.downloads import report_file, report_zip
from facedocket.web.render import page
from facedocket.web.ui.forms import Short, typed_time

router = APIRouter(prefix="/reports")

Output = Annotated[Literal["view", "download"], Form()]


@router.get("")
def reports(request: Request, session: ReadSession, app: ServicesDep, me: Reporter) -> Response:
    now = clock.now()
    policy = load_policy(app.settings.policy, at=now)
    board = dashboard(session, policy, now)
    bodies = offered_bodies(session, policy)
    local = now.astimezone(policy.zone)
    return page(
        request,
        "reports.html",
        me,
        board=board,
        svg=lambda chart: Markup(svg(chart, "none in these months")),  # noqa: S704 (escaped)
        stacked=lambda chart: Markup(stacked_svg(chart)),  # noqa: S704 (escaped)
        bodies=bodies,
        confidential=me.actor.role_for(*CONFIDENTIAL_ROLES) is not None,
        quarter=f"{local.year}Q{(local.month - 1) // 3 + 1}",
        year=local.year,
        formats=FORMATS,
        zone=policy.timezone,
        kinds=report_kinds(policy),
        policy=policy,
        logs=[pack for pack in list_packs() if any(v.public_log for v in pack.versions)],
        today=local.date(),
    )


@router.post("/quarterly")
def quarterly(
    request: Request,
    session: WriteSession,
    app: ServicesDep,
    me: Reporter,
    quarter: Short,
    body: Short,
    output: Output,
) -> Response:
    files = quarterly_export(session, app.settings, me.actor, quarter, body)
    if output == "download":
        return report_zip(files, f"quarterly-{quarter}-{body}")
    rows = json.loads(files["searches.json"])["searches"]
    return _view(request, me, "Per-search documentation", files, columns=COLUMNS, rows=rows)


@router.post("/annual")
def annual(
    request: Request,
    session: WriteSession,
    app: ServicesDep,
    me: Reporter,
    year: Annotated[int, Form(ge=1, le=9999)],
    output: Output,
    formats: Annotated[list[str] | None, Form(alias="format")] = None,
) -> Response:
    files = produce_annual(session, app.settings, me.actor, year, tuple(formats or FORMATS))
    if output == "download":
        return report_zip(files, f"annual-{year}")
    # The report is its own page: shown as the very file produced, under its own policy.
    shown = next(name for name in sorted(files) if name != MANIFEST)
    return report_file(files, shown)


@router.post("/compliance")
def compliance(
    request: Request,
    session: WriteSession,
    me: Reporter,
    output: Output,
    at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    moment = typed_time(at) or clock.now()
    files = compliance_export(session, me.actor, moment)
    if output == "download":
        return report_zip(files, "compliance")
    report = json.loads(files["compliance.json"])
    return _view(
        request,
        me,
        "Compliance report",
        files,
        columns=("check", "request_id", "case_number", "search_id", "at", "detail"),
        rows=report["findings"],
        counts=[(CHECKS[check], n) for check, n in report["counts"].items()],
    )


@router.post("/law")
def law(
    request: Request,
    session: WriteSession,
    app: ServicesDep,
    me: Reporter,
    kind: Short,
    year: Annotated[int, Form(ge=1, le=9998)],
    output: Output,
) -> Response:
    files = law_report(session, me.actor, app.settings.policy, kind, year)
    if output == "download":
        return report_zip(files, f"{kind}-{year}")
    report = json.loads(files[f"{kind}.json"])
    tables = [
        (name, list(rows[0]) if rows else [], rows)
        for name, rows in report.items()
        if isinstance(rows, list)
    ]
    return _view(request, me, report["report"], files, tables=tables)


@router.post("/public-log")
def public_log(
    request: Request,
    session: WriteSession,
    me: Reporter,
    pack: Short,
    first: Annotated[str, Form(alias="from", max_length=40)],
    last: Annotated[str, Form(alias="to", max_length=40)],
    output: Output,
) -> Response:
    files = public_log_export(session, me.actor, pack, _day("from", first), _day("to", last))
    if output == "download":
        return report_zip(files, f"public-log-{pack}-{first}-{last}")
    about = manifest_about(files)
    if "public-log.json" in files:
        rows = json.loads(files["public-log.json"])["searches"]
    else:
        rows = list(csv.DictReader(io.StringIO(files["public-log.csv"].decode("utf-8"))))
    return _view(request, me, "Public search log", files, columns=about["fields"], rows=rows)


def _day(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(
            f"{field}: {text[:30]!r} is not a date like 2026-01-31", code=RefusalCode.INVALID
        ) from None


def _view(request: Request, me: Caller, title: str, files: Files, **content: Any) -> Response:
    listed = [(name, sha256(data), len(data)) for name, data in sorted(files.items())]
    return page(
        request,
        "report.html",
        me,
        title=title,
        about=manifest_about(files),
        listed=listed,
        manifest=sha256(files[MANIFEST]),
        **content,
    )
