"""Answering a produced report: all its files as one ZIP, or one file shown as it is.

A file is shown under a policy of its own: the annual report's HTML page carries its
style inline (it is one self-contained file), which the pages' policy refuses, so that
style alone is allowed, by its hash; nothing else, no script, no frame.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.responses import Response

from facedocket.reports.annual_html import STYLE
from facedocket.reports.files import Files, zip_bytes

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
FILE_CSP = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def report_zip(files: Files, stem: str) -> Response:
    """The files as the ZIP a person downloads; ``stem`` names it (made safe here)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "report"
    return Response(
        zip_bytes(files),
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{name}.zip"'},
    )


def report_file(files: Files, name: str) -> Response:
    """One of the files, to read in the browser; a name whose kind is unknown downloads."""
    kind = next((TYPES[end] for end in TYPES if name.endswith(end)), None)
    disposition = "inline" if kind else "attachment"
    return Response(
        files[name],
        media_type=kind or "application/octet-stream",
        headers={
            "content-disposition": f'{disposition}; filename="{name}"',
            "content-security-policy": FILE_CSP,
        },
    )
