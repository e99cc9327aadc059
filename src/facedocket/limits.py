"""How long each kind of text may be: one number per field, used by the table columns
(``store/schema``) and by every check of what people send (``cases/schemas``, the API
models, the page forms and the CLI through them).

When the check allowed 300 characters and the column held 100, PostgreSQL answered a
long case number with a server error and SQLite stored it whole; with one number for
both, a value that passes the check always fits its column, and one that does not is
refused with the field's name and its limit. Changing a number here changes a column:
it needs a migration.
"""

from __future__ import annotations

import re

USERNAME = 100
FULL_NAME = 200
RANK = 100
AGENCY_CODE = 63
AGENCY_NAME = 200
TOKEN_NAME = 100
EMAIL = 254  # RFC 5321's longest forward path, less its angle brackets
GALLERY_NAME = 100
GALLERY_DESCRIPTION = 2000

CASE_NUMBER = 100
OFFENCE = 300
OFFENCE_CODE = 50
COURT = 200
DOCKET_NUMBER = 100
JUDGE = 200
FILENAME = 300

# Control characters (tab and line breaks aside) and lone surrogates: PostgreSQL cannot
# store NUL, a surrogate has no UTF-8 form, and neither belongs in a legal record.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def checked_line(field: str, value: str, limit: int, *, required: bool = True) -> str:
    """``value`` stripped, or ``ValueError`` naming the field and what is wrong with it.

    The library's own check, for callers that did not come through a schema (the CLI):
    the same numbers as the schemas, so every path refuses what the column cannot hold.
    """
    value = value.strip()
    if required and not value:
        raise ValueError(f"{field}: must not be empty")
    if len(value) > limit:
        raise ValueError(f"{field}: {len(value)} characters, at most {limit} allowed")
    if CONTROL.search(value):
        raise ValueError(f"{field}: contains a control character or invalid Unicode")
    return value
