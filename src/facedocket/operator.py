"""Who runs this process, for the record when no FaceDocket user is named.

Commands an operator runs on the server (installing, enrolling, comparing) have no signed-in
user; the record then names the operating-system account, as ``operator:NAME``.
"""

from __future__ import annotations

import getpass

OPERATOR_ROLE = "operator"


def operator() -> str:
    return f"operator:{getpass.getuser()}"
