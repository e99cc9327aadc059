"""OpenID Connect sign-in (authorization code flow with PKCE) through Authlib.

The browser leaves for the provider with a fresh ``state``, ``nonce`` and PKCE verifier,
sealed with the service's key into a cookie of its own, so the answer is accepted only
in the browser that asked, once, within ten minutes. The code is exchanged for tokens
over the back channel, and the ID token is checked before anything in it is believed:
its signature against the provider's published keys, issuer, audience, expiry and the
nonce (a token minted for another sign-in, or replayed, fails).

Authlib (and joserfc, its JOSE library) and requests load only when a sign-in runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.settings import OidcProvider

LIFE = timedelta(minutes=10)
ALGORITHMS = ["RS256", "PS256", "ES256"]
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class Started:
    url: str  # where the browser goes now
    cookie: str  # the sealed state, nonce and verifier


def start(
    provider: OidcProvider,
    redirect_uri: str,
    next_path: str,
    key: bytes,
    at: datetime,
    carried: str = "",
) -> Started:
    """Where to send the browser, and the cookie that lets its return in; ``carried``
    comes back with the claims (what the person was sending, kept across the sign-in)."""
    from authlib.common.security import generate_token  # noqa: PLC0415 - loaded per sign-in

    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    client = _client(provider, redirect_uri)
    url, _ = client.create_authorization_url(
        metadata(provider.issuer)["authorization_endpoint"],
        state=state,
        nonce=nonce,
        code_verifier=verifier,
    )
    pending = {
        "provider": provider.name,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_path,
        "carried": carried,
        "until": (at + LIFE).timestamp(),
    }
    return Started(str(url), seal(key, pending))


def finish(
    provider: OidcProvider,
    redirect_uri: str,
    cookie: str | None,
    state: str,
    code: str,
    key: bytes,
    at: datetime,
) -> tuple[dict[str, Any], str, str]:
    """The checked ID token's claims, where the person was going and what ``start``
    carried; else Refused."""
    pending = unseal(key, cookie)
    if (
        pending is None
        or pending.get("provider") != provider.name
        or not hmac.compare_digest(str(pending.get("state")), state)
        or at.timestamp() > float(pending.get("until", 0))
    ):
        raise Refused("the sign-in did not start here, or it expired", code=RefusalCode.OIDC_STATE)
    client = _client(provider, redirect_uri)
    try:
        token = client.fetch_token(
            metadata(provider.issuer)["token_endpoint"],
            code=code,
            code_verifier=pending["verifier"],
        )
    except Exception:  # the provider's refusal, or no answer: either way, no sign-in
        raise Refused(
            "the identity provider did not accept the sign-in", code=RefusalCode.OIDC
        ) from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise Refused("the identity provider sent no ID token", code=RefusalCode.OIDC)
    claims = id_token_claims(provider, id_token, str(pending["nonce"]), at)
    return claims, str(pending["next"]), str(pending.get("carried", ""))


def id_token_claims(
    provider: OidcProvider, id_token: str, nonce: str, at: datetime
) -> dict[str, Any]:
    """The claims of an ID token, once its signature and claims pass; else Refused."""
    from joserfc import jwt  # noqa: PLC0415 - loaded per sign-in
    from joserfc.errors import JoseError  # noqa: PLC0415
    from joserfc.jwk import KeySet  # noqa: PLC0415

    keys = KeySet.import_key_set(_keys(metadata(provider.issuer)["jwks_uri"]))  # type: ignore[arg-type]
    try:
        decoded = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=int(at.timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(decoded.claims)
    except (JoseError, ValueError, KeyError) as error:
        raise Refused(
            f"the ID token is not valid: {type(error).__name__}", code=RefusalCode.OIDC
        ) from None
    return dict(decoded.claims)


@lru_cache(maxsize=16)
def metadata(issuer: str) -> dict[str, Any]:
    """The provider's discovery document (endpoints and key address), fetched once."""
    import requests  # noqa: PLC0415

    answer = requests.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=10)
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    if found.get("issuer") != issuer:
        raise Refused("the identity provider names another issuer", code=RefusalCode.OIDC)
    return found


def _keys(jwks_uri: str) -> dict[str, Any]:
    # Fetched at each sign-in, so a provider's key rotation takes effect at once.
    import requests  # noqa: PLC0415

    answer = requests.get(jwks_uri, timeout=10)
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


def _client(provider: OidcProvider, redirect_uri: str) -> Any:
    from authlib.integrations.requests_client import OAuth2Session  # noqa: PLC0415

    return OAuth2Session(
        provider.client_id,
        provider.client_secret.get_secret_value(),
        scope=provider.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=10,
    )


def seal(key: bytes, values: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    return f"{body}.{_mac(key, body)}"


def unseal(key: bytes, sealed: str | None) -> dict[str, Any] | None:
    body, _, mac = (sealed or "").partition(".")
    if not body or not hmac.compare_digest(mac, _mac(key, body)):
        return None
    found = json.loads(base64.urlsafe_b64decode(body))
    return found if isinstance(found, dict) else None


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, b"oidc\0" + body.encode(), hashlib.sha256).hexdigest()
