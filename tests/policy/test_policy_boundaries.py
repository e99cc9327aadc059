"""The policy layer stays a pure rule layer: no database, no network, no other layer."""

from __future__ import annotations

import ast
from importlib.resources import files

ALLOWED = {
    "__future__",
    "collections.abc",
    "copy",
    "itertools",
    "dataclasses",
    "datetime",
    "decimal",
    "functools",
    "importlib.resources",
    "importlib.resources.abc",
    "pathlib",
    "pydantic",
    "re",
    "typing",
    "yaml",
    "zoneinfo",
}


def _imports(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_policy_imports_only_rules_and_yaml() -> None:
    package = files("facedocket.policy")
    for module in package.iterdir():
        if module.name.endswith(".py"):
            outside = {
                name
                for name in _imports(module.read_text("utf-8"))
                if name not in ALLOWED and not name.startswith("facedocket.policy")
            }
            assert outside == set(), f"{module.name} imports {sorted(outside)}"
