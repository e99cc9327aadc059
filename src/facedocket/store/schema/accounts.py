"""How people prove who they are: password hashes, browser sessions, API tokens, TOTP
secrets, and the login attempts that throttling counts.

No secret is stored as given: passwords are Argon2 hashes, and session and API tokens are
kept as SHA-256 digests (they are long random strings, so a fast hash suffices), so a copy
of the database lets nobody sign in. The TOTP secret must be readable to check a code.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from facedocket import limits
from facedocket.store.schema.base import Base, utcnow


class PasswordHash(Base):
    __tablename__ = "user_passwords"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by an administrator (a new account, a reset): its user must choose their own
    # before anything else, so that the administrator does not know it.
    temporary: Mapped[bool] = mapped_column(default=False, server_default=false())


class WebSession(Base):
    """A signed-in browser: the cookie's digest, its CSRF token and its deadlines."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    remote: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ApiToken(Base):
    """A personal token for a machine client, shown once and then known by its digest."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(limits.TOKEN_NAME))
    prefix: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # "full" acts with the owner's roles; "read" only reads (an auditor's tools), so a
    # leaked copy of it changes nothing.
    scope: Mapped[str] = mapped_column(String(10), default="full", server_default="full")


class TotpSecret(Base):
    """A second factor; it counts only once confirmed with a first code."""

    __tablename__ = "totp_secrets"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # Sealed with the deployment's TOTP key (accounts/seeds.py), never the plain seed.
    secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The 30-second step of the last code accepted: a code is good once, never replayed.
    last_step: Mapped[int | None]


class Passkey(Base):
    """A WebAuthn credential: its id and public key (the private key stays in the
    authenticator), and the signature counter that exposes a cloned key."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # base64url of the raw id, which WebAuthn allows to be up to 1023 bytes long
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(limits.TOKEN_NAME))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class WebAuthnChallenge(Base):
    """One ceremony's challenge, made by the server: what for, for whom, until when, and
    whether it was answered (an answer is accepted once)."""

    __tablename__ = "webauthn_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[str] = mapped_column(String(100), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RecoveryCode(Base):
    """A one-time stand-in for the second factor, kept as the digest of the code."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class OidcMapping(Base):
    """An administrator's rule: holders of ``value`` in the provider's claim get ``role``
    in ``agency_code``. Nobody gets a role from a provider without one."""

    __tablename__ = "oidc_mappings"
    __table_args__ = (UniqueConstraint("provider", "value", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    agency_code: Mapped[str] = mapped_column(String(limits.AGENCY_CODE))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FederatedIdentity(Base):
    """Which FaceDocket user a provider's subject is: never matched by name."""

    __tablename__ = "federated_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttempt(Base):
    """Every sign-in try, by the name typed and the address it came from."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(limits.USERNAME), index=True)
    remote: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    succeeded: Mapped[bool]
