"""The ``facedocket`` command: a thin shell over the library, one sub-command per concept.

Each sub-command's module is imported only when it runs (``cli.lazy``): ``--help`` and a
command that touches no model or index do not pay for the ones that do. The one-line helps
here are what ``facedocket --help`` shows; a test keeps them equal to the modules' own.
"""

from __future__ import annotations

import typer

from facedocket.cli.lazy import Lazy, LazyGroup


class Commands(LazyGroup):
    SUBCOMMANDS = {  # noqa: RUF012
        "audit": Lazy("audit:app", "Verify, sign, export and read the audit record."),
        "db": Lazy("db:app", "The database's schema: its revision, and upgrading it."),
        "faces": Lazy("faces:app", "Detect faces in a photo and compare two photos."),
        "gallery": Lazy("gallery:app", "Enrol photos into galleries and inspect them."),
        "jobs": Lazy("jobs:app", "Enrolment jobs kept in the database."),
        "duties": Lazy("duties:app", "Scheduled duties: their last and next runs."),
        "requests": Lazy("requests:app", "Write, decide, search and review requests."),
        "admin": Lazy("admin:app", "Agencies and users."),
        "reports": Lazy("reports:app", "Statutory and compliance reports."),
        "disclosure": Lazy("disclosure:app", "Defendant disclosure packets."),
        "witness": Lazy("witness:app", "Run a witness that cosigns an agency's record."),
        "policy": Lazy("policy:app", "Policy packs: versions, rules, differences, checks."),
        "retention": Lazy("governance:retention", "Retention purges and legal holds."),
        "models": Lazy("governance:models", "The algorithm register."),
        "training": Lazy("governance:training", "Examiners' training records."),
        "demo": Lazy(
            "demo:demo",
            "Run a whole court-ordered case on demo data, then serve the pages to try every role.",
        ),
        "worker": Lazy(
            "jobs:worker",
            "Run the enrolment jobs and the scheduled duties, and mail the notices, until stopped.",
        ),
        "serve": Lazy(
            "serve:serve",
            "Serve the API and the pages; in production put it behind an HTTPS proxy.",
        ),
    }


app = typer.Typer(
    cls=Commands,
    help="FaceDocket: face searches only under a legal basis, on a tamper-evident record.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    pass
