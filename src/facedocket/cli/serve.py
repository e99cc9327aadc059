"""``facedocket serve``: the web service (uvicorn) on the configured database."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from facedocket.accounts.seeds import SeedKeyError
from facedocket.cli.context import console, refusals
from facedocket.settings import Settings, get_settings

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
Worker = Annotated[
    bool,
    typer.Option(
        help="Also run enrolment jobs and scheduled duties in this process; --no-worker "
        "where `facedocket worker` runs them separately (production)."
    ),
]


def serve(host: Host = "127.0.0.1", port: Port = 8000, worker: Worker = True) -> None:
    """Serve the API and the pages; in production put it behind an HTTPS proxy."""
    with refusals(ValidationError):
        config = get_settings()
    run(config, host, port, worker)


def run(config: Settings, host: str, port: int, worker: bool = True) -> None:
    # The web stack (FastAPI, uvicorn, every route) and the enrolment pipeline load only
    # for the command that serves.
    import uvicorn  # noqa: PLC0415

    from facedocket.schedule import worker as running  # noqa: PLC0415
    from facedocket.store.db import make_engine, session_factory  # noqa: PLC0415
    from facedocket.store.migrate import SchemaNotCurrentError  # noqa: PLC0415
    from facedocket.web.app import create_app  # noqa: PLC0415

    sessions = session_factory(make_engine(config.db_url))
    with refusals(SeedKeyError, SchemaNotCurrentError):
        app = create_app(config, sessions)
    stop = threading.Event()
    if worker:
        running.start(config, sessions, stop)
    console.print(f"FaceDocket on http://{host}:{port}/ (sign in at /login); Ctrl-C stops it")
    try:
        uvicorn.run(app, host=host, port=port, **uvicorn_options(config))
    finally:
        stop.set()


def uvicorn_options(config: Settings) -> dict[str, Any]:
    """uvicorn believes X-Forwarded-For from loopback unless told otherwise; here it
    believes it only from the proxies the settings name, and from nobody by default, so
    the address the sign-in throttle counts and the record keeps is the real peer's."""
    proxies = config.forwarded_allow_ips
    return {
        "server_header": False,
        "log_level": "info",
        "proxy_headers": proxies is not None,
        "forwarded_allow_ips": proxies or "",
    }
