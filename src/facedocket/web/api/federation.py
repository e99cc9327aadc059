"""The administrator's mappings from identity-provider claims to roles and agencies."""

from __future__ import annotations

from fastapi import APIRouter

from facedocket.accounts.federation import add_mapping, list_mappings, remove_mapping
from facedocket.web.deps import Administrator, ReadSession, WriteSession
from facedocket.web.schemas.common import Id
from facedocket.web.schemas.directory import MappingCreate, MappingPublic

router = APIRouter(prefix="/oidc", tags=["directory"])


@router.get("/mappings")
def mappings(session: ReadSession, admin: Administrator) -> list[MappingPublic]:
    return [MappingPublic.model_validate(m) for m in list_mappings(session)]


@router.post("/mappings", status_code=201)
def new_mapping(session: WriteSession, admin: Administrator, body: MappingCreate) -> MappingPublic:
    """Holders of ``value`` in the provider's claim get ``role`` in ``agency_code`` at
    their next sign-in (and lose it at the next one after the mapping goes)."""
    row = add_mapping(
        session,
        admin.actor.username,
        body.provider,
        body.value,
        body.role.value,
        body.agency_code,
    )
    return MappingPublic.model_validate(row)


@router.delete("/mappings/{mapping_id}", status_code=204)
def delete_mapping(session: WriteSession, admin: Administrator, mapping_id: Id) -> None:
    remove_mapping(session, admin.actor.username, mapping_id)
