"""The signed-in user's passkeys and recovery codes. The account page's script runs the
WebAuthn ceremonies through these routes, so a program and a person use one path."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request

from facedocket.accounts.passkeys import (
    add_passkey,
    list_passkeys,
    registration_options,
    remove_passkey,
)
from facedocket.accounts.recovery import new_recovery_codes
from facedocket.cases.directory import get_user
from facedocket.store.schema.base import utcnow
from facedocket.web.deps import (
    AnyUser,
    ReadSession,
    ServicesDep,
    SettingUp,
    WriteSession,
)
from facedocket.web.schemas.common import Id
from facedocket.web.schemas.directory import PasskeyCreate, PasskeyPublic, RecoveryCodes
from facedocket.web.security import relying_party

router = APIRouter(prefix="/me", tags=["account"])


@router.get("/passkeys")
def passkeys(session: ReadSession, caller: AnyUser) -> list[PasskeyPublic]:
    return [PasskeyPublic.model_validate(p) for p in list_passkeys(session, caller.actor.user_id)]


@router.post("/passkeys/options")
def passkey_options(
    request: Request, session: WriteSession, app: ServicesDep, caller: SettingUp
) -> dict[str, Any]:
    """Options for navigator.credentials.create(); the challenge is good for 5 minutes."""
    user = get_user(session, caller.actor.user_id)
    options = registration_options(session, relying_party(request, app.settings), user, utcnow())
    found: dict[str, Any] = json.loads(options)
    return found


@router.post("/passkeys", status_code=201)
def new_passkey(
    request: Request,
    session: WriteSession,
    app: ServicesDep,
    caller: SettingUp,
    body: PasskeyCreate,
) -> PasskeyPublic:
    """Keep the key the authenticator made for the options above."""
    user = get_user(session, caller.actor.user_id)
    party = relying_party(request, app.settings)
    row = add_passkey(session, party, user, body.credential, body.name, utcnow())
    return PasskeyPublic.model_validate(row)


@router.delete("/passkeys/{passkey_id}", status_code=204)
def delete_passkey(session: WriteSession, caller: AnyUser, passkey_id: Id) -> None:
    remove_passkey(session, get_user(session, caller.actor.user_id), passkey_id)


@router.post("/recovery-codes", status_code=201)
def recovery_codes(session: WriteSession, caller: AnyUser) -> RecoveryCodes:
    """Ten new one-time codes for a lost factor; the old ones stop working."""
    user = get_user(session, caller.actor.user_id)
    return RecoveryCodes(codes=new_recovery_codes(session, user, utcnow()))
