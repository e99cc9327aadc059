"""The record imports none of the layers that write to it."""

from __future__ import annotations

import ast
from importlib.resources import files

WRITERS = ("facedocket.cases", "facedocket.gallery", "facedocket.web", "facedocket.cli")


def test_audit_imports_none_of_its_writers() -> None:
    for module in files("facedocket.audit").iterdir():
        if not module.name.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(WRITERS), f"{module.name} imports {name}"
