"""The ``facedocket`` command: a thin shell over the library, one sub-command per concept."""

from __future__ import annotations

import typer

from facedocket.cli import admin, audit, disclosure, faces, gallery, governance, reports, requests
from facedocket.cli.demo import demo
from facedocket.cli.serve import serve

app = typer.Typer(
    help="FaceDocket: face searches only under a legal basis, on a tamper-evident record.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(audit.app, name="audit")
app.add_typer(faces.app, name="faces")
app.add_typer(gallery.app, name="gallery")
app.add_typer(requests.app, name="requests")
app.add_typer(admin.app, name="admin")
app.add_typer(reports.app, name="reports")
app.add_typer(disclosure.app, name="disclosure")
app.add_typer(governance.retention, name="retention")
app.add_typer(governance.models, name="models")
app.add_typer(governance.training, name="training")
app.command()(demo)
app.command()(serve)
