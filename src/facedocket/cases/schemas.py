"""What a requester writes: the request and its legal basis, validated before anything is
stored. The web API and the CLI both build these, so a malformed request gets the same
precise answer from either.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from facedocket import limits
from facedocket.limits import CONTROL


def plain_text(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("contains a control character or invalid Unicode")
    return value


def line(max_length: int, min_length: int = 1) -> StringConstraints:
    """One line of text up to a limit from ``facedocket.limits`` (its column's width)."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


PLAIN = AfterValidator(plain_text)
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=20_000),
    PLAIN,
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CourtOrderCreate(_Strict):
    """An order (or warrant) a judge signed; the document itself is uploaded beside it."""

    kind: Literal["court_order", "warrant"]
    court: Annotated[str, line(limits.COURT), PLAIN]
    docket_number: Annotated[str, line(limits.DOCKET_NUMBER), PLAIN]
    judge: Annotated[str, line(limits.JUDGE), PLAIN]
    issued_on: date
    expires_at: AwareDatetime
    scope: LongText
    searches_allowed: int | None = Field(default=None, ge=1, le=100)


class EmergencyCreate(_Strict):
    """The written facts of a substantial risk of harm that cannot wait for an order."""

    kind: Literal["emergency"]
    facts: LongText


class DeceasedCreate(_Strict):
    """Identifying a deceased person: the facts of the death and why identity is unknown."""

    kind: Literal["deceased"]
    facts: LongText


class InvestigationCreate(_Strict):
    """A criminal investigation the law lets search without an order (Maryland's listed
    crimes, Utah's felonies): the facts are the request's narrative and statements."""

    kind: Literal["investigation"]
    facts: LongText


class MissingPersonCreate(_Strict):
    """A missing, endangered or incapacitated person: the report's facts."""

    kind: Literal["missing_person"]
    facts: LongText


BasisCreate = Annotated[
    CourtOrderCreate | EmergencyCreate | DeceasedCreate | InvestigationCreate | MissingPersonCreate,
    Field(discriminator="kind"),
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class RequestCreate(_Strict):
    case_number: Annotated[str, line(limits.CASE_NUMBER), PLAIN]
    offence: Annotated[str, line(limits.OFFENCE), PLAIN]
    offence_class: Annotated[str, StringConstraints(pattern=r"^[a-z_]{3,50}$")]
    offence_code: Annotated[str, line(limits.OFFENCE_CODE, 0), PLAIN] | None = None
    narrative: LongText
    gallery: Annotated[str, line(limits.GALLERY_NAME), PLAIN]
    basis: BasisCreate
    # The authorised use, where the policy has a closed list (``purposes``).
    purpose: Slug | None = None
    # The statements the policy asks for (``narratives``), by their id.
    statements: dict[Slug, LongText] = Field(default_factory=dict, max_length=10)
    # The body the request is made to (its agency code); optional only where the policy
    # leaves one choice (see ``cases.bodies``).
    searching_body: Slug | None = None


# Unicode's Bidi_Control characters: a right-to-left override turns "photo\u202egpj.exe"
# into "photoexe.jpg" on screen, so a name holding one misleads whoever reads it.
BIDI_CONTROL = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def safe_filename(value: str) -> str:
    """Refuse a file name that could show something other than what it is."""
    for character in value:
        if character in BIDI_CONTROL:
            raise ValueError(
                f"the file name holds the bidirectional control character U+{ord(character):04X}, "
                "which can disguise a file's type; rename the file without it"
            )
        if unicodedata.category(character) in ("Cc", "Cs"):
            raise ValueError(
                f"the file name holds the control character U+{ord(character):04X}; "
                "rename the file without it"
            )
    return value


class FileUpload(_Strict):
    """A file as received: bytes, the name it came with, and where it came from."""

    filename: Annotated[str, line(limits.FILENAME), AfterValidator(safe_filename)]
    content: bytes = Field(repr=False)
    source: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=2000),
        PLAIN,
    ] = ""
