"""Every route of the app refuses an anonymous caller and a caller of the wrong role.

The routes are read from the app itself, so a route added later is checked too; each must
declare a ``RoleGate`` (directly or through another dependency, like the search gate),
unless it is one of the few public ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from tests.web.blank_app import blank_app

from facedocket.accounts.tokens import create_token
from facedocket.cases.directory import add_agency, add_user
from facedocket.kernel.roles import Role
from facedocket.settings import Settings
from facedocket.store.db import make_engine, session_factory, transaction
from facedocket.store.migrate import upgrade
from facedocket.store.schema import Agency, User
from facedocket.store.schema.base import utcnow
from facedocket.web.app import create_app
from facedocket.web.deps import RoleGate

PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/login/passkey/options"),
    ("POST", "/login/passkey"),
    ("GET", "/login/oidc/{name}"),
    ("POST", "/login/oidc/{name}"),
    ("GET", "/login/oidc/{name}/callback"),
    ("GET", "/healthz"),
    # The idle warning's question: it answers only for the session cookie it is sent (or
    # null), and must not pass the gate, which would count the asking as use.
    ("GET", "/session/left"),
}


def routes() -> list[tuple[str, str, APIRoute]]:
    """Every (method, path) of the app, with the route that serves it; routers included
    with a prefix are walked through, so the paths are the ones clients call."""
    app = blank_app()
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        found += [
            (method, context.path, route)
            for method in sorted(context.methods or ())
            if (method, context.path) not in PUBLIC
        ]
    return found


ROUTES = routes()


def gate_of(dependant: Dependant) -> RoleGate | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, RoleGate):
            return dependency.call
        found = gate_of(dependency)
        if found is not None:
            return found
    return None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One user per role, and one whose roles were all withdrawn; a token for each."""
    folder = tmp_path_factory.mktemp("routes")
    engine = make_engine(f"sqlite:///{folder / 'routes.db'}")
    upgrade(engine)
    sessions = session_factory(engine)
    tokens: dict[str, str] = {}
    with transaction(sessions) as session:
        add_agency(session, "operator:test", "state-police", "State Police")
        for role in Role:
            user = add_user(
                session,
                "operator:test",
                username=role.value.replace("_", "-"),
                full_name=role.value,
                agency_code="state-police",
                roles=[role.value],
            )
            tokens[role.value], _ = create_token(session, user, "routes", utcnow())
        agency = session.query(Agency).one()
        nobody = User(username="nobody", full_name="No Roles", agency_id=agency.id)
        session.add(nobody)
        session.flush()
        tokens["nobody"], _ = create_token(session, nobody, "routes", utcnow())
    settings = Settings(data_dir=folder, uswds_dir=folder / "none")
    with TestClient(create_app(settings, sessions)) as client:
        yield client, tokens
    engine.dispose()


def concrete(path: str) -> str:
    return (
        path.replace("{name}", "rmv")
        .replace("{", "")
        .replace("}", "")
        .replace("request_id", "1")
        .replace("candidate_id", "1")
        .replace("document_id", "1")
        .replace("token_id", "1")
        .replace("user_id", "1")
        .replace("job_id", "1")
        .replace("session_id", "1")
        .replace("passkey_id", "1")
        .replace("mapping_id", "1")
    )


def test_the_app_has_the_routes_the_roles_need() -> None:
    paths = {path for _, path, _ in ROUTES}
    assert len(ROUTES) > 60
    assert {"/api/v1/requests/{request_id}/searches", "/requests/{request_id}/search"} <= paths


@pytest.mark.parametrize(
    ("method", "path", "route"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_route_refuses_anonymous_and_wrong_role(
    served: tuple[TestClient, dict[str, str]], method: str, path: str, route: APIRoute
) -> None:
    gate = gate_of(route.dependant)
    assert gate is not None, f"{method} {path} declares no role gate"
    client, tokens = served
    url = concrete(path)

    anonymous = client.request(method, url, follow_redirects=False)
    if path.startswith("/api/"):
        assert anonymous.status_code == 401, anonymous.text
    else:
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login")

    outsider = next((r.value for r in Role if r not in gate.roles), "nobody")
    headers = {"Authorization": f"Bearer {tokens[outsider]}"}
    wrong = client.request(method, url, headers=headers, follow_redirects=False)
    assert wrong.status_code == 403, f"{outsider}: {wrong.text}"
    if path.startswith("/api/"):
        assert wrong.json()["detail"]["code"] == "wrong_role"
