"""``facedocket serve``: the web service (uvicorn) on the configured database."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from facedocket.accounts.seeds import SeedKeyError
from facedocket.cli.context import console, refusals
from facedocket.settings import Settings, get_settings

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]


def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the API and the pages; in production put it behind an HTTPS proxy."""
    with refusals(ValidationError):
        config = get_settings()
    run(config, host, port)


def run(config: Settings, host: str, port: int) -> None:
    # The web stack (FastAPI, uvicorn, every route) loads only for the command that serves.
    import uvicorn  # noqa: PLC0415

    from facedocket.web.app import create_app  # noqa: PLC0415

    console.print(f"FaceDocket on http://{host}:{port}/ (sign in at /login); Ctrl-C stops it")
    with refusals(SeedKeyError):
        app = create_app(config)
    uvicorn.run(app, host=host, port=port, **uvicorn_options(config))


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
