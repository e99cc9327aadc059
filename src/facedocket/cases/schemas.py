"""What a requester writes: the request and its legal basis, validated before anything is
stored. The web API and the CLI both build these, so a malformed request gets the same
precise answer from either.
"""

from __future__ import annotations

import re
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

# Control characters (tab and line breaks aside) and lone surrogates: PostgreSQL cannot
# store NUL, a surrogate has no UTF-8 form, and neither belongs in a legal record.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def plain_text(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("contains a control character or invalid Unicode")
    return value


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(plain_text),
]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=20_000),
    AfterValidator(plain_text),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CourtOrderCreate(_Strict):
    """An order (or warrant) a judge signed; the document itself is uploaded beside it."""

    kind: Literal["court_order", "warrant"]
    court: Text
    docket_number: Text
    judge: Text
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


BasisCreate = Annotated[
    CourtOrderCreate | EmergencyCreate | DeceasedCreate, Field(discriminator="kind")
]


class RequestCreate(_Strict):
    case_number: Text
    offence: Text
    offence_class: Annotated[str, StringConstraints(pattern=r"^[a-z_]{3,50}$")]
    offence_code: (
        Annotated[str, StringConstraints(max_length=50), AfterValidator(plain_text)] | None
    ) = None
    narrative: LongText
    gallery: Text
    basis: BasisCreate
    # The body the request is made to (its agency code); optional only where the policy
    # leaves one choice (see ``cases.bodies``).
    searching_body: (
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")] | None
    ) = None


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

    filename: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
        AfterValidator(safe_filename),
    ]
    content: bytes = Field(repr=False)
    source: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=2000),
        AfterValidator(plain_text),
    ] = ""
