"""What a person was sending when their session ended, kept across signing in again.

A form sent after the idle lock (or any end of the session) is not lost: the sign-in page
that answers it carries its fields in a hidden field of its own, and once the person has
signed in again a page shows every field and sends them again with the new session's
CSRF token, but only when the person says so (a form another site made them send would
otherwise go through). Files cannot be carried so: the page asks for them again. Nothing
is kept on the server, so a form nobody signs in for leaves no trace.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request

from facedocket.web.deps import FORM_TYPES
from facedocket.web.security import UNSAFE_METHODS

NOT_KEPT = {"csrf_token"}  # the old session's; the new one has its own


@dataclass(frozen=True)
class KeptForm:
    fields: list[tuple[str, str]]  # in the order sent; a name may repeat (check boxes)
    files: list[str]  # the names of the file fields that held a file

    def dumps(self) -> str:
        return json.dumps({"fields": self.fields, "files": self.files})

    @property
    def labels(self) -> list[tuple[str, str]]:
        """The fields as the page lists them: a form field's name in words."""
        return [(name.replace("_", " "), value) for name, value in self.fields]


async def kept_form(request: Request) -> KeptForm | None:
    """The form a refused request carried, if it was one (an unsafe method, a form body)."""
    if request.method not in UNSAFE_METHODS:
        return None
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return None
    form = await request.form()
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in NOT_KEPT]
    files = [k for k, v in form.multi_items() if isinstance(v, UploadFile) and v.filename]
    return KeptForm(fields, list(dict.fromkeys(files)))


def loads(text: str) -> KeptForm | None:
    """A kept form back from the sign-in page; None for anything else (it is only what
    this browser sent, but still checked for its shape)."""
    try:
        data = json.loads(text)
        fields = [(str(name), str(value)) for name, value in data["fields"]]
        files = [str(name) for name in data["files"]]
    except (ValueError, TypeError, KeyError):
        return None
    return KeptForm(fields, files)


def packed(kept: KeptForm) -> str:
    """The kept form, small enough for a cookie where one must carry it (through an
    identity provider, whose round trip keeps no form of ours): compressed, URL-safe."""
    return base64.urlsafe_b64encode(zlib.compress(kept.dumps().encode(), 9)).decode()


def unpacked(text: str) -> KeptForm | None:
    """A ``packed`` form back; None for anything else."""
    try:
        return loads(zlib.decompress(base64.urlsafe_b64decode(text)).decode())
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        return None
