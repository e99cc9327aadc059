"""The tables, one module per concept; importing this package registers them all.

The modules do without ``from __future__ import annotations`` on purpose: SQLAlchemy would
otherwise parse each of several hundred ``Mapped[...]`` strings when the classes are made,
about a quarter of the time every command spends importing the tables (#13). A table
named before it is defined is written in quotes (``Mapped[list["Photo"]]``).
"""

from facedocket.store.schema.accounts import (
    ApiToken,
    FederatedIdentity,
    LoginAttempt,
    OidcMapping,
    Passkey,
    PasswordHash,
    RecoveryCode,
    TotpSecret,
    WebAuthnChallenge,
    WebSession,
)
from facedocket.store.schema.audit import (
    AuditCheckpoint,
    AuditCosignature,
    AuditEntry,
    AuditHead,
    AuditTreeNode,
    WitnessStatus,
)
from facedocket.store.schema.base import Base
from facedocket.store.schema.cases import (
    Candidate,
    Document,
    LeadOutcome,
    LegalBasis,
    Review,
    Search,
    SearchRequest,
)
from facedocket.store.schema.duties import DutyRun
from facedocket.store.schema.gallery import (
    EnrolmentRejection,
    FaceModelRecord,
    Gallery,
    Person,
    Photo,
    Template,
)
from facedocket.store.schema.governance import (
    LegalHold,
    ModelGroupFigure,
    ModelRegistration,
    Purge,
    TrainingRecord,
    UnlawfulDeletion,
)
from facedocket.store.schema.jobs import EnrolmentJobRow
from facedocket.store.schema.notices import Notice
from facedocket.store.schema.people import Agency, User, UserRole

__all__ = [
    "Agency",
    "ApiToken",
    "AuditCheckpoint",
    "AuditCosignature",
    "AuditEntry",
    "AuditHead",
    "AuditTreeNode",
    "Base",
    "Candidate",
    "Document",
    "DutyRun",
    "EnrolmentJobRow",
    "EnrolmentRejection",
    "FaceModelRecord",
    "FederatedIdentity",
    "Gallery",
    "LeadOutcome",
    "LegalBasis",
    "LegalHold",
    "LoginAttempt",
    "ModelGroupFigure",
    "ModelRegistration",
    "Notice",
    "OidcMapping",
    "Passkey",
    "PasswordHash",
    "Person",
    "Photo",
    "Purge",
    "RecoveryCode",
    "Review",
    "Search",
    "SearchRequest",
    "Template",
    "TotpSecret",
    "TrainingRecord",
    "UnlawfulDeletion",
    "User",
    "UserRole",
    "WebAuthnChallenge",
    "WebSession",
    "WitnessStatus",
]
