"""The tables, one module per concept; importing this package registers them all."""

from facedocket.store.schema.audit import AuditCheckpoint, AuditEntry, AuditHead
from facedocket.store.schema.base import Base
from facedocket.store.schema.gallery import (
    EnrolmentRejection,
    FaceModelRecord,
    Gallery,
    Person,
    Photo,
    Template,
)

__all__ = [
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "Base",
    "EnrolmentRejection",
    "FaceModelRecord",
    "Gallery",
    "Person",
    "Photo",
    "Template",
]
