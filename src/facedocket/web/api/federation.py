"""The administrator's mappings from identity-provider claims to roles and agencies."""

from __future__ import annotations

from fastapi import APIRouter

from facedocket.accounts.federation import add_mapping, list_mappings, remove_mapping
from facedocket.store.db import transaction
from facedocket.web.deps import Administrator, ServicesDep
from facedocket.web.schemas.common import Id
from facedocket.web.schemas.directory import MappingCreate, MappingPublic

router = APIRouter(prefix="/oidc", tags=["directory"])


@router.get("/mappings")
def mappings(app: ServicesDep, admin: Administrator) -> list[MappingPublic]:
    with app.sessions() as session:
        return [MappingPublic.model_validate(m) for m in list_mappings(session)]


@router.post("/mappings", status_code=201)
def new_mapping(app: ServicesDep, admin: Administrator, body: MappingCreate) -> MappingPublic:
    """Holders of ``value`` in the provider's claim get ``role`` in ``agency_code`` at
    their next sign-in (and lose it at the next one after the mapping goes)."""
    with transaction(app.sessions) as session:
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
def delete_mapping(app: ServicesDep, admin: Administrator, mapping_id: Id) -> None:
    with transaction(app.sessions) as session:
        remove_mapping(session, admin.actor.username, mapping_id)
