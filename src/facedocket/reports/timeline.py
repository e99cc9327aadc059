"""The record as a person reads it: entries grouped by what they are about, in words.

An auditor looking for what happened to a request wants "officer (requester) submitted
the request", not ``request.submitted``; the raw entry stays one click away on the page.
Views (a photo, a document, the results, the record itself) are most of a busy record
and change nothing, so they are kept apart for the page to fold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from facedocket.store.schema import AuditEntry

# What an action did, as a sentence after "who (role)". Actions not named here are read
# from their dotted name, so a new action is still shown, just less smoothly.
WORDS = {
    "request.created": "wrote the request",
    "request.submitted": "submitted the request",
    "request.approved": "approved the request for search",
    "request.rejected": "rejected the request",
    "request.returned": "sent the request back for correction",
    "request.edited": "changed the request",
    "request.withdrawn": "withdrew the request",
    "request.concluded": "concluded the examination",
    "request.closed": "closed the request",
    "request.approval_refused": "was refused approving the request",
    "search.run": "ran the face search",
    "search.refused": "was refused a face search",
    "search.declared_unlawful": "declared the search unlawful",
    "outcome.recorded": "recorded what followed the lead",
    "review.recorded": "recorded a conclusion on a candidate",
    "statement.filed": "filed the sworn statement",
    "statement.overdue": "found the sworn statement overdue",
    "document.viewed": "viewed a document",
    "photo.viewed": "viewed a photo",
    "results.viewed": "read the results",
    "hold.set": "put a legal hold on the request",
    "hold.released": "released the legal hold",
    "retention.purged": "purged data past its retention",
    "record.viewed": "read the record",
    "record.verified": "verified the record",
    "record.exported": "exported the record",
    "record.checkpoint_signed": "signed a checkpoint of the record",
    "record.key_rotated": "rotated the record's signing key",
    "witness.refused": "was refused by a witness",
    "export.created": "produced a report",
    "export.sealed": "sealed a disclosure packet",
    "account.signed_in": "signed in",
    "account.signed_out": "signed out",
    "account.sign_in_refused": "was refused signing in",
    "account.password_set": "set a password",
    "account.credentials_ended": "ended every session and token",
    "account.sessions_ended": "ended browser sessions",
    "account.unlocked": "unlocked a name locked by failed sign-ins",
    "account.token_created": "made an API token",
    "account.token_revoked": "revoked an API token",
    "account.totp_started": "started setting up a second factor",
    "account.totp_enabled": "turned on the second factor",
    "account.totp_disabled": "turned off the second factor",
    "account.totp_reset": "reset the second factor",
    "account.passkey_added": "added a passkey",
    "account.passkey_removed": "removed a passkey",
    "account.recovery_codes_made": "made new recovery codes",
    "account.recovery_code_used": "used a recovery code",
    "user.created": "added the user",
    "user.updated": "changed the user",
    "oidc.mapping_added": "added a single sign-on mapping",
    "oidc.mapping_removed": "removed a single sign-on mapping",
    "agency.created": "added the agency",
    "gallery.created": "created the gallery",
    "gallery.job_queued": "queued an enrolment",
    "gallery.job_pause_requested": "asked an enrolment to pause",
    "gallery.job_resume_requested": "asked an enrolment to resume",
    "gallery.job_cancel_requested": "asked an enrolment to stop",
    "gallery.enrolment_started": "started an enrolment",
    "gallery.enrolment_finished": "finished an enrolment",
    "gallery.enrolment_interrupted": "had an enrolment interrupted",
    "gallery.enrolment_conflict": "met a conflicting photo while enrolling",
    "model.registered": "registered a model",
    "model.approved": "approved a model",
    "model.accuracy_attached": "attached an accuracy test to a model",
    "model.group_figure_entered": "entered a model's accuracy figure for a group",
    "training.recorded": "recorded training",
    "settings.gate_changed": "changed the search gate's settings",
    "duty.ran": "ran a scheduled duty",
    "duty.failed": "had a scheduled duty fail",
    "faces.compared": "compared two photos",
}
SUBJECTS = {"request": "Request", "user": "User", "gallery": "Gallery", "record": "The record"}


@dataclass(frozen=True)
class Event:
    entry: AuditEntry
    words: str
    viewing: bool

    def raw(self) -> str:
        """The entry as stored, every field, for the reader who wants it exactly."""
        entry = self.entry
        stored = {
            "seq": entry.seq,
            "at": entry.at.isoformat(),
            "actor": entry.actor,
            "role": entry.role,
            "action": entry.action,
            "subject_type": entry.subject_type,
            "subject_id": entry.subject_id,
            "details": entry.details,
            "policy_id": entry.policy_id,
            "policy_version": entry.policy_version,
            "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash,
        }
        return json.dumps(stored, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@dataclass
class Thread:
    """Every shown entry about one subject, newest first: acts, and views kept apart."""

    subject_type: str
    subject_id: str
    acts: list[Event] = field(default_factory=list)
    views: list[Event] = field(default_factory=list)

    @property
    def title(self) -> str:
        kind = SUBJECTS.get(self.subject_type, self.subject_type.replace("_", " ").capitalize())
        return kind if self.subject_type == "record" else f"{kind} {self.subject_id}"


def describe(entry: AuditEntry) -> str:
    """Who did what, in words: ``officer (requester) submitted the request``."""
    words = WORDS.get(entry.action) or entry.action.replace(".", ": ").replace("_", " ")
    reason = entry.details.get("reasons") if entry.action.endswith("refused") else None
    because = f": {'; '.join(map(str, reason))}" if isinstance(reason, list) and reason else ""
    return f"{entry.actor} ({entry.role.replace('_', ' ')}) {words}{because}"


def is_view(action: str) -> bool:
    return action.endswith(".viewed")


def timeline(entries: Iterable[AuditEntry]) -> list[Thread]:
    """The entries (newest first, as the record is read) as one thread per subject, the
    thread with the newest entry first."""
    threads: dict[tuple[str, str], Thread] = {}
    for entry in entries:
        key = (entry.subject_type, entry.subject_id)
        thread = threads.setdefault(key, Thread(*key))
        event = Event(entry, describe(entry), is_view(entry.action))
        (thread.views if event.viewing else thread.acts).append(event)
    return list(threads.values())
