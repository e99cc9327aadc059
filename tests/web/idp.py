"""The OpenID provider the sign-on tests run against: oidc-provider (npm) on loopback,
started once per module with a signing key the tests also hold, so they can mint ID
tokens the provider's published keys verify (and tamper with them)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from tests.web.live import free_port

from facedocket.settings import OidcProvider

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
MODULE = Path("node_modules/oidc-provider")
SECRET = "a client secret for the loopback provider only"
ACCOUNTS = {
    "alice": {"name": "Alice Examiner", "groups": ["frt-examiners"]},
    "bob": {"name": "Bob Cafeteria", "groups": ["cafeteria"]},
    "carol": {"name": "Carol Gone", "groups": ["frt-examiners"], "disabled": True},
}


@dataclass(frozen=True)
class Idp:
    issuer: str
    private_jwk: dict[str, Any]
    redirect_uri: str
    port: int  # the FaceDocket server's, which the client's redirect names


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Idp]:
    node = shutil.which("node")
    if node is None or not MODULE.is_dir():
        pytest.skip("needs node and oidc-provider (make assets)")
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "alg": "RS256", "use": "sig"})
    private = key.as_dict(private=True)
    port, app_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{port}"
    redirect = f"http://localhost:{app_port}/login/oidc/test/callback"
    config = {
        "issuer": issuer,
        "port": port,
        "jwks": {"keys": [private]},
        "accounts": ACCOUNTS,
        "clients": [
            {
                "client_id": "facedocket",
                "client_secret": SECRET,
                "redirect_uris": [redirect, "http://testserver/login/oidc/test/callback"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            }
        ],
    }
    folder = tmp_path_factory.mktemp("idp")
    (folder / "config.json").write_text(json.dumps(config))
    running = subprocess.Popen(
        [node, str(SCRIPT), str(folder / "config.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                assert running.poll() is None, running.stdout.read() if running.stdout else ""
                time.sleep(0.2)
        yield Idp(issuer, private, redirect, app_port)
    finally:
        running.terminate()
        running.wait(10)


def provider_of(idp: Idp) -> OidcProvider:
    return OidcProvider(
        name="test",
        issuer=idp.issuer,
        client_id="facedocket",
        client_secret=SecretStr(SECRET),
        label="Test IdP",
        claim="groups",
        scope="openid profile groups",
    )
