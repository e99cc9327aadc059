"""Who a provider's sign-in is here: the administrator's mappings from the provider's
claim values (groups, say) to roles and an agency, and the users they make.

Nobody gets a role from a provider alone: a sign-in whose claims match no mapping is
refused, and a user's roles follow the mappings at each sign-in, every change on the
record with the provider named as its author. A provider's subject is tied to the user
it made once; it is never matched to an existing account by name, which would let
whoever controls a provider's names take over local accounts.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.accounts.record import SELF, log_account
from facedocket.audit import append
from facedocket.cases.directory import add_user, checked_username, get_user, update_user
from facedocket.kernel.refusals import NotFound, RefusalCode, Refused
from facedocket.kernel.roles import Role
from facedocket.store.locks import lock_name
from facedocket.store.schema import Agency, FederatedIdentity, OidcMapping, User

ADMINISTRATOR = Role.ADMINISTRATOR.value


def list_mappings(session: Session) -> list[OidcMapping]:
    return list(session.scalars(select(OidcMapping).order_by(OidcMapping.id)))


def add_mapping(
    session: Session, by: str, provider: str, value: str, role: str, agency_code: str
) -> OidcMapping:
    if role not in {r.value for r in Role}:
        raise Refused(f"no such role: {role}", code=RefusalCode.INVALID)
    if session.scalar(select(Agency.id).where(Agency.code == agency_code)) is None:
        raise Refused(f"no agency {agency_code!r}", code=RefusalCode.INVALID)
    lock_name(session, "oidc mapping", f"{provider}\0{value}\0{role}")
    taken = select(OidcMapping.id).where(
        OidcMapping.provider == provider, OidcMapping.value == value, OidcMapping.role == role
    )
    if session.scalar(taken) is not None:
        raise Refused(f"{provider} {value!r} already maps to {role}", code=RefusalCode.EXISTS)
    row = OidcMapping(provider=provider, value=value, role=role, agency_code=agency_code)
    session.add(row)
    session.flush()
    _log_mapping(session, by, "oidc.mapping_added", row)
    return row


def remove_mapping(session: Session, by: str, mapping_id: int) -> None:
    row = session.get(OidcMapping, mapping_id)
    if row is None:
        raise NotFound(f"no mapping {mapping_id}")
    _log_mapping(session, by, "oidc.mapping_removed", row)
    session.delete(row)


def federated_user(
    session: Session, provider: str, claim: str, claims: dict[str, Any], remote: str
) -> User:
    """The user this checked ID token signs in, made or brought up to date; else Refused."""
    subject = str(claims["sub"])
    lock_name(session, "federated subject", f"{provider}\0{subject}")
    values = claims.get(claim, [])
    values = [values] if isinstance(values, str) else [str(v) for v in values or []]
    mapped = list(
        session.scalars(
            select(OidcMapping).where(
                OidcMapping.provider == provider, OidcMapping.value.in_(values)
            )
        )
    )
    if not mapped:
        raise Refused("no mapping gives this account a role here", code=RefusalCode.NO_MAPPING)
    agencies = {m.agency_code for m in mapped}
    if len(agencies) > 1:
        raise Refused(
            "the mappings name more than one agency for this account", code=RefusalCode.NO_MAPPING
        )
    [agency], roles = agencies, sorted({m.role for m in mapped})
    by = f"oidc:{provider}"
    identity = session.scalar(
        select(FederatedIdentity).where(
            FederatedIdentity.provider == provider, FederatedIdentity.subject == subject
        )
    )
    if identity is None:
        user = add_user(
            session,
            by,
            username=_username(session, provider, subject, claims),
            full_name=str(claims.get("name") or claims.get("preferred_username") or subject)[:200],
            agency_code=agency,
            roles=roles,
        )
        session.add(FederatedIdentity(provider=provider, subject=subject, user_id=user.id))
        session.flush()
    else:
        user = get_user(session, identity.user_id)
        if not user.active:
            raise Refused("this account is deactivated here", code=RefusalCode.DISABLED)
        if user.agency.code != agency:
            raise Refused(
                "the mappings put this account in another agency", code=RefusalCode.NO_MAPPING
            )
        if sorted(user.roles) != roles:
            user = update_user(session, by, user.id, roles=roles)
    details = {"remote": remote, "with": by, "subject": subject}
    log_account(session, user.username, SELF, "account.signed_in", user.id, details)
    return user


def _username(session: Session, provider: str, subject: str, claims: dict[str, Any]) -> str:
    """The provider's own name for the person when it is a free, valid username here;
    otherwise one made from the subject."""
    try:
        wanted = checked_username(str(claims.get("preferred_username") or ""))
    except ValueError:
        wanted = ""
    if wanted and session.scalar(select(User.id).where(User.username == wanted)) is None:
        return wanted
    return f"{provider}-{hashlib.sha256(subject.encode()).hexdigest()[:16]}"


def _log_mapping(session: Session, by: str, action: str, row: OidcMapping) -> None:
    append(
        session,
        actor=by,
        role=ADMINISTRATOR,
        action=action,
        subject_type="oidc_mapping",
        subject_id=row.id,
        details={
            "provider": row.provider,
            "value": row.value,
            "role": row.role,
            "agency": row.agency_code,
        },
    )
