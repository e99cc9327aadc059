"""The tamper-evident record of every action (requirement 10).

Writers call ``append`` inside their own transaction; an auditor calls ``verify`` on the
database or ``verify_entries`` on an export. This package imports none of its writers.
"""

from facedocket.audit.canonical import AuditFormatError
from facedocket.audit.checkpoints import checkpoint, checkpoint_if_due
from facedocket.audit.export import export_checkpoints, export_entries, read_json_lines
from facedocket.audit.keys import (
    AuditKeyError,
    existing_signing_key,
    fingerprint,
    public_key_from_text,
    public_key_text,
    signing_key,
)
from facedocket.audit.log import AuditError, PolicyRef, append, recent_entries
from facedocket.audit.query import EntryFilter, find_entries
from facedocket.audit.verify import Problem, VerifyResult, verify, verify_entries

__all__ = [
    "AuditError",
    "AuditFormatError",
    "AuditKeyError",
    "EntryFilter",
    "PolicyRef",
    "Problem",
    "VerifyResult",
    "append",
    "checkpoint",
    "checkpoint_if_due",
    "existing_signing_key",
    "export_checkpoints",
    "export_entries",
    "find_entries",
    "fingerprint",
    "public_key_from_text",
    "public_key_text",
    "read_json_lines",
    "recent_entries",
    "signing_key",
    "verify",
    "verify_entries",
]
