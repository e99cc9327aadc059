"""Field types shared by the API models: bounded ids and one-line names without control
characters (the record and PostgreSQL refuse those; here they are a clear 422)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from facedocket import limits
from facedocket.cases.schemas import PLAIN, line

MAX_ID = 2**31 - 1  # PostgreSQL's integer; a larger id can name nothing

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Name = Annotated[str, line(200), PLAIN]  # a filter on the record: never stored
FullName = Annotated[str, line(limits.FULL_NAME), PLAIN]
Rank = Annotated[str, line(limits.RANK, 0), PLAIN]
Reason = Annotated[str, line(5000, 10), PLAIN]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class Problem(Public):
    """Why an action was refused: a code a program can test and reasons a person can read."""

    code: str
    reasons: list[str]
    correlation_id: str | None = Field(
        default=None, description="On a server error: the reference its log line carries."
    )


class ErrorPublic(Public):
    detail: Problem | str | list[dict[str, object]] = Field(
        description="A refusal, a plain message, or the fields that failed validation."
    )
