"""The building blocks of the policy schema: strict models and the field types they share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Days = Annotated[int, Field(ge=1, le=36_500)]


class Strict(BaseModel):
    """Every field required and typed strictly, unknown fields refused (see ``model``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def unique(values: list[str], what: str) -> list[str]:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"{what} listed twice: {', '.join(repeated)}")
    return values
