"""Refusals: an action the law, the policy, the user's role or the input forbids.

Every refusal names a ``RefusalCode``, and the code carries the HTTP status the API
answers with and what it means in plain words: a new code cannot be added without both.
docs/refusals.md lists them (tests/kernel/test_refusals.py keeps it in step).
"""

from __future__ import annotations

from enum import StrEnum
from http import HTTPStatus
from typing import Self

FORBIDDEN, CONFLICT = HTTPStatus.FORBIDDEN, HTTPStatus.CONFLICT
UNPROCESSABLE = HTTPStatus.UNPROCESSABLE_ENTITY


class RefusalCode(StrEnum):
    """The code a program acts on; the reasons that come with it are for people."""

    status: HTTPStatus
    meaning: str

    def __new__(cls, value: str, status: HTTPStatus, meaning: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.meaning = meaning
        return member

    # Who may do it, and under which law.
    WRONG_ROLE = "wrong_role", FORBIDDEN, "Your roles, or your roles on this case, do not allow it."
    NOT_OWNER = "not_owner", FORBIDDEN, "Only the officer who wrote the request may do this."
    POLICY = "policy", FORBIDDEN, "The policy in force forbids it; the reasons cite the rules."
    NO_BASIS = "no_basis", FORBIDDEN, "The request has no legal basis."
    NOT_INDEPENDENT = (
        "not_independent",
        FORBIDDEN,
        "The second review must be made by another examiner than the first.",
    )
    SEPARATION_OF_DUTIES = (
        "separation_of_duties",
        FORBIDDEN,
        "The policy keeps these duties apart, and you took part in the other one.",
    )
    READ_ONLY_TOKEN = "read_only_token", FORBIDDEN, "A read-only API token cannot change anything."
    SECOND_FACTOR_REQUIRED = (
        "second_factor_required",
        FORBIDDEN,
        "Your role needs a second factor; turn one on first.",
    )
    PASSWORD_CHANGE_REQUIRED = (
        "password_change_required",
        FORBIDDEN,
        "An administrator set your password; choose your own first.",
    )
    CSRF = "csrf", FORBIDDEN, "The form's anti-forgery token is missing or stale; reload the page."
    # Not in a state that allows it.
    BAD_STATE = "bad_state", CONFLICT, "The request or record is not in a state that allows it."
    EXISTS = "exists", CONFLICT, "It exists already."
    APPROVED = "approved", CONFLICT, "The model is approved already, on the figures it had then."
    REVIEW_INCOMPLETE = "review_incomplete", CONFLICT, "Some candidates still need a conclusion."
    OUTCOME_MISMATCH = (
        "outcome_mismatch",
        CONFLICT,
        "The outcome is a lead exactly when every review found some candidate a possible lead.",
    )
    NOT_READY = "not_ready", CONFLICT, "Results are released only after the examiners conclude."
    ON_HOLD = (
        "on_hold",
        CONFLICT,
        "The request is on legal hold; its records are kept until released.",
    )
    TOTP_ON = "totp_on", CONFLICT, "A second factor is on already; turn it off first."
    TOTP_OFF = "totp_off", CONFLICT, "No second factor is on."
    TOTP_NOT_STARTED = "totp_not_started", CONFLICT, "Start setting up a second factor first."
    LAST_ADMINISTRATOR = (
        "last_administrator",
        CONFLICT,
        "That would leave no active administrator.",
    )
    DOCUMENT_ALTERED = (
        "document_altered",
        CONFLICT,
        "A stored file is not the one the record holds; nothing is done with it.",
    )
    RECORD_NOT_SIGNED = (
        "record_not_signed",
        CONFLICT,
        "The audit record cannot be signed (it does not verify with this deployment's key).",
    )
    # What was sent is not acceptable.
    INVALID = "invalid", UNPROCESSABLE, "A value sent is not acceptable; the reasons say which."
    INVALID_DATES = "invalid_dates", UNPROCESSABLE, "The order's dates do not cover the search."
    MISSING_REASON = "missing_reason", UNPROCESSABLE, "Say why, in a sentence."
    MISSING_BODY = "missing_body", UNPROCESSABLE, "Say which searching body the request is made to."
    MISSING_ORDER = "missing_order", UNPROCESSABLE, "This legal basis needs the signed document."
    MISSING_PROBE = "missing_probe", UNPROCESSABLE, "The request has no such probe photo, or none."
    UNKNOWN_BODY = (
        "unknown_body",
        UNPROCESSABLE,
        "The body named is not registered here as an agency.",
    )
    UNKNOWN_GALLERY = "unknown_gallery", UNPROCESSABLE, "No gallery of that name."
    NOT_MEASURED = (
        "not_measured",
        UNPROCESSABLE,
        "The model has no measured accuracy; run bench/accuracy.py and attach its results.",
    )
    POOR_PROBE = "poor_probe", UNPROCESSABLE, "The probe face is too small for the policy's floor."
    CORRUPT_DOCUMENT = "corrupt_document", UNPROCESSABLE, "The document is not a readable PDF."
    PURGED = "purged", UNPROCESSABLE, "The file was purged under the retention policy."
    PHOTO_MISSING = (
        "photo_missing",
        UNPROCESSABLE,
        "The gallery photo is no longer where it was enrolled.",
    )
    WRONG_PASSWORD = "wrong_password", UNPROCESSABLE, "The current password is not right."
    WEAK_PASSWORD = "weak_password", UNPROCESSABLE, "The new password is too easy to guess."
    WRONG_CODE = "wrong_code", UNPROCESSABLE, "The second-factor code is not right."
    PASSKEY_REFUSED = "passkey_refused", UNPROCESSABLE, "The passkey's answer was not accepted."
    OIDC = "oidc", UNPROCESSABLE, "The identity provider's sign-in was not accepted."
    OIDC_STATE = "oidc_state", UNPROCESSABLE, "The sign-in did not start here, or it expired."
    NO_MAPPING = (
        "no_mapping",
        UNPROCESSABLE,
        "No mapping gives this account one role in one agency here.",
    )
    DISABLED = "disabled", UNPROCESSABLE, "The account is deactivated here."
    # The face engine's codes (facedocket.faces.errors.FaceCode), for a probe or a photo.
    EMPTY_FILE = "empty_file", UNPROCESSABLE, "The file is empty."
    FILE_TOO_LARGE = "file_too_large", UNPROCESSABLE, "The file is larger than the limit."
    NOT_AN_IMAGE = "not_an_image", UNPROCESSABLE, "The file is not an image in a known format."
    TOO_MANY_PIXELS = "too_many_pixels", UNPROCESSABLE, "The image has more pixels than the limit."
    CORRUPT_IMAGE = "corrupt_image", UNPROCESSABLE, "The image is truncated or corrupt."
    UNSUPPORTED_FORMAT = "unsupported_format", UNPROCESSABLE, "The file's format is not accepted."
    IMAGE_TOO_SMALL = (
        "image_too_small",
        UNPROCESSABLE,
        "The image is too small to hold a usable face.",
    )
    NO_FACE = "no_face", UNPROCESSABLE, "No face was found in the photo."
    SEVERAL_FACES = "several_faces", UNPROCESSABLE, "The photo holds several faces; choose one."
    AMBIGUOUS_FACES = (
        "ambiguous_faces",
        UNPROCESSABLE,
        "The photo holds several faces of similar size.",
    )
    BAD_FACE_CHOICE = (
        "bad_face_choice",
        UNPROCESSABLE,
        "The face chosen does not exist in the photo.",
    )
    # What the web service answers outside a refusal.
    NOT_SIGNED_IN = "not_signed_in", HTTPStatus.UNAUTHORIZED, "No valid token or session."
    # A refused sign-in's entry on the record names one of these (the page says no more).
    SIGN_IN_FAILED = (
        "sign_in_failed",
        HTTPStatus.UNAUTHORIZED,
        "The name, password or code was not right.",
    )
    THROTTLED = (
        "throttled",
        HTTPStatus.TOO_MANY_REQUESTS,
        "Too many failed sign-ins from this name or address; wait before trying again.",
    )
    NOT_FOUND = "not_found", HTTPStatus.NOT_FOUND, "No such record, or none you may see."
    BAD_SOURCE = "bad_source", UNPROCESSABLE, "The enrolment source or its manifest is not usable."
    POLICY_ERROR = "policy_error", UNPROCESSABLE, "The policy pack named cannot be read."
    UNRECORDABLE = "unrecordable", UNPROCESSABLE, "The audit record cannot hold what was sent."
    HTTP = "http", UNPROCESSABLE, "An HTTP error (a page's status says which)."
    SERVER_ERROR = (
        "server_error",
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "Something failed on the server; the answer has its id.",
    )


class Refused(PermissionError):
    """The action is not allowed; nothing was changed. ``reasons`` says every why."""

    def __init__(self, reasons: str | list[str], *, code: RefusalCode) -> None:
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        self.code = code
        super().__init__("; ".join(self.reasons))


class NotFound(LookupError):
    """No such request, user or record, or none this user may see (the same answer, so
    that a refusal never confirms that a case exists)."""
