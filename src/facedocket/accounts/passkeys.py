"""Passkeys (WebAuthn, through the ``webauthn`` package): a second factor after the
password, or a sign-in of their own without one.

A passkey's private key never leaves the person's authenticator, and the browser signs
only for this site's own name, so a look-alike site learns nothing it can replay: the
phishing-resistant factor federal guidance prefers. Each ceremony's challenge is made
here, kept server-side, bound to its purpose (and to the user once a password was
right), good for five minutes and for one answer; an answer is checked against the
challenge it carries, under a lock on that challenge, so a replayed answer is refused
however many processes receive it. A passkey alone signs in only when the authenticator
verified its user (a PIN or a fingerprint), which makes it two factors by itself.

``webauthn`` (with cbor2 and pyOpenSSL) loads only when a ceremony runs.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from facedocket import limits
from facedocket.accounts.record import SELF, log_account
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.store.locks import lock_row
from facedocket.store.schema import Passkey, User, WebAuthnChallenge

RP_NAME = "FaceDocket"
CHALLENGE_LIFE = timedelta(minutes=5)
Purpose = Literal["register", "second_factor", "sign_in"]
REFUSED = "the passkey's answer was not accepted"


@dataclass(frozen=True)
class Party:
    """Where a ceremony happens: the site's name (the host) and its origin."""

    rp_id: str
    origin: str


def list_passkeys(session: Session, user_id: int) -> list[Passkey]:
    return list(
        session.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id))
    )


def has_passkey(session: Session, user_id: int) -> bool:
    return session.scalar(select(Passkey.id).where(Passkey.user_id == user_id).limit(1)) is not None


def registration_options(session: Session, party: Party, user: User, at: datetime) -> str:
    """The options for ``navigator.credentials.create``, as JSON."""
    from webauthn import generate_registration_options, options_to_json  # noqa: PLC0415
    from webauthn.helpers.structs import (  # noqa: PLC0415 - loaded only for a ceremony
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=party.rp_id,
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=_user_handle(user),
        user_display_name=user.full_name,
        # Discoverable and user-verifying, so that the same key can sign in on its own.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=_bytes(p.credential_id))
            for p in list_passkeys(session, user.id)
        ],
    )
    _keep_challenge(session, options.challenge, "register", user.id, at)
    return str(options_to_json(options))


def add_passkey(
    session: Session, party: Party, user: User, credential: dict[str, Any], name: str, at: datetime
) -> Passkey:
    """Check the authenticator's answer to ``registration_options`` and keep its key."""
    from webauthn import verify_registration_response  # noqa: PLC0415
    from webauthn.helpers.exceptions import WebAuthnException  # noqa: PLC0415

    try:
        name = limits.checked_line("name", name, limits.TOKEN_NAME)
    except ValueError as error:
        raise Refused(str(error), code=RefusalCode.INVALID) from None
    challenge = _take_challenge(session, credential, "register", at)
    if challenge.user_id != user.id:
        raise Refused(REFUSED, code=RefusalCode.PASSKEY_REFUSED)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=_bytes(challenge.challenge),
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise Refused(REFUSED, code=RefusalCode.PASSKEY_REFUSED) from None
    credential_id = _text(verified.credential_id)
    if session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise Refused("this passkey is registered already", code=RefusalCode.EXISTS)
    row = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        created_at=at,
    )
    session.add(row)
    session.flush()
    log_account(
        session,
        user.username,
        SELF,
        "account.passkey_added",
        user.id,
        {"passkey": row.id, "name": name},
    )
    return row


def remove_passkey(session: Session, user: User, passkey_id: int) -> None:
    row = session.get(Passkey, passkey_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no passkey {passkey_id}")
    session.delete(row)
    log_account(
        session, user.username, SELF, "account.passkey_removed", user.id, {"passkey": passkey_id}
    )


def sign_in_options(session: Session, party: Party, at: datetime, user: User | None = None) -> str:
    """Options for ``navigator.credentials.get``: for ``user``'s keys after their password
    was right, or for any discoverable key (a sign-in without a password)."""
    from webauthn import generate_authentication_options, options_to_json  # noqa: PLC0415
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement  # noqa: PLC0415

    allowed = [] if user is None else list_passkeys(session, user.id)
    options = generate_authentication_options(
        rp_id=party.rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=_bytes(p.credential_id)) for p in allowed
        ],
        user_verification=(
            UserVerificationRequirement.REQUIRED
            if user is None
            else UserVerificationRequirement.PREFERRED
        ),
    )
    purpose: Purpose = "sign_in" if user is None else "second_factor"
    _keep_challenge(session, options.challenge, purpose, user.id if user else None, at)
    return str(options_to_json(options))


def check_passkey(session: Session, party: Party, credential: dict[str, Any], at: datetime) -> User:
    """The user a passkey's answer to ``sign_in_options`` proves, or Refused."""
    from webauthn import verify_authentication_response  # noqa: PLC0415
    from webauthn.helpers.exceptions import WebAuthnException  # noqa: PLC0415

    challenge = _take_challenge(session, credential, ("second_factor", "sign_in"), at)
    key = session.scalar(select(Passkey).where(Passkey.credential_id == str(credential.get("id"))))
    if key is None or (challenge.user_id is not None and key.user_id != challenge.user_id):
        raise Refused(REFUSED, code=RefusalCode.PASSKEY_REFUSED)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=_bytes(challenge.challenge),
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
            require_user_verification=challenge.user_id is None,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        raise Refused(REFUSED, code=RefusalCode.PASSKEY_REFUSED) from None
    key.sign_count, key.last_used_at = verified.new_sign_count, at
    user = session.get(User, key.user_id)
    if user is None or not user.active:
        raise Refused(REFUSED, code=RefusalCode.PASSKEY_REFUSED)
    return user


def _keep_challenge(
    session: Session, challenge: bytes, purpose: Purpose, user_id: int | None, at: datetime
) -> None:
    # Challenges nobody answered are swept as new ones are made: the table stays small.
    session.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < at))
    session.add(
        WebAuthnChallenge(
            challenge=_text(challenge),
            purpose=purpose,
            user_id=user_id,
            created_at=at,
            expires_at=at + CHALLENGE_LIFE,
        )
    )
    session.flush()


def _take_challenge(
    session: Session,
    credential: dict[str, Any],
    purpose: Purpose | tuple[Purpose, ...],
    at: datetime,
) -> WebAuthnChallenge:
    """The open challenge the answer carries, now used up; Refused if there is none."""
    try:
        client_data = json.loads(_bytes(credential["response"]["clientDataJSON"]))
        sent = str(client_data["challenge"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise Refused(REFUSED, code=RefusalCode.PASSKEY_REFUSED) from None
    found = session.scalar(select(WebAuthnChallenge.id).where(WebAuthnChallenge.challenge == sent))
    row = lock_row(session, WebAuthnChallenge, found) if found is not None else None
    wanted = purpose if isinstance(purpose, tuple) else (purpose,)
    if row is None or row.used_at is not None or at >= row.expires_at or row.purpose not in wanted:
        raise Refused(REFUSED, code=RefusalCode.PASSKEY_REFUSED)
    row.used_at = at
    session.flush()
    return row


def _user_handle(user: User) -> bytes:
    # Opaque to the authenticator, and never the username (WebAuthn's privacy advice).
    return f"facedocket-user-{user.id}".encode()


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
