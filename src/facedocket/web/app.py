"""Building the web application: settings in, a FastAPI app out.

The API lives under ``/api/v1`` (its OpenAPI schema at ``/api/v1/openapi.json``); pages
live at the root. USWDS assets are served from ``uswds_dir`` when they were installed
(``make assets``); without them the pages are plain HTML and still work.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from facedocket import __version__
from facedocket.faces.pipeline import FacePipeline
from facedocket.settings import Settings, get_settings
from facedocket.store.db import make_engine, session_factory
from facedocket.store.migrate import require_current
from facedocket.web import errors
from facedocket.web.api import (
    account,
    directory,
    examination,
    federation,
    galleries,
    passkeys,
    record,
    reports,
    requests,
)
from facedocket.web.failures import ServerErrors
from facedocket.web.render import uswds_available
from facedocket.web.security import Hardening
from facedocket.web.services import Services
from facedocket.web.ui import admin, auth, cases, oidc, oversight, review, writing
from facedocket.web.ui import passkeys as passkey_pages
from facedocket.web.ui import reports as report_pages

API = "/api/v1"
OWN_STATIC = Path(__file__).parent / "static"  # our own scripts (the CSP allows no inline one)


def create_app(
    settings: Settings | None = None,
    sessions: sessionmaker[Session] | None = None,
    pipeline: FacePipeline | None = None,
) -> FastAPI:
    """The app for ``settings`` (the environment's when None). A database that is not at
    the current schema is refused (``SchemaNotCurrentError``, naming ``facedocket db upgrade``)."""
    settings = settings or get_settings()
    if sessions is None:
        sessions = session_factory(make_engine(settings.db_url))
    require_current(sessions.kw["bind"].engine)
    app = FastAPI(
        title="FaceDocket",
        version=__version__,
        description="Face searches only under a legal basis, every step on a "
        "tamper-evident record. Authenticate with a personal API token: "
        "`Authorization: Bearer fdk_...`.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = Services.start(settings, sessions, pipeline)
    app.state.uswds = uswds_available(settings)
    errors.install(app)
    # Innermost, so that the answer to a crash still gets the hardening headers.
    app.add_middleware(ServerErrors)
    app.add_middleware(Hardening, settings=settings)
    for router in (
        account,
        passkeys,
        directory,
        federation,
        galleries,
        requests,
        examination,
        record,
        reports,
    ):
        app.include_router(router.router, prefix=API, responses=errors.RESPONSES)
    # writing before cases: /requests/new before /requests/{request_id}.
    for pages in (
        auth,
        passkey_pages,
        oidc,
        writing,
        cases,
        review,
        oversight,
        report_pages,
        admin,
    ):
        app.include_router(pages.router, include_in_schema=False)
    app.mount("/static/facedocket", StaticFiles(directory=OWN_STATIC), name="facedocket")
    if app.state.uswds:
        app.mount("/static/uswds", StaticFiles(directory=settings.uswds_dir), name="uswds")

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
