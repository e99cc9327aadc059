"""Nothing but the search gate may query a gallery index for a probe.

Which modules may hold the index machinery at all is an import rule: the import-linter
contract "only the gate imports the index search" in pyproject.toml (``make lint``). The
gallery modules it lets in keep indexes up to date or read their hits; that they never
*search* is a call, which no import rule sees, so this test reads their source: outside the
index package itself, only ``cases/gate.py`` calls ``.search(``.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import facedocket

PACKAGE = Path(facedocket.__file__).parent
PYPROJECT = PACKAGE.parents[1] / "pyproject.toml"
GATE = "facedocket.cases.gate"
INDEX_PACKAGE = "facedocket.gallery.index"


def holders() -> list[str]:
    """The modules the contract lets import the index machinery."""
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["name"] == "only the gate imports the index search"]
    return list(contract["allowed_importers"])


def source_of(module: str) -> Path:
    path = PACKAGE.joinpath(*module.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def searches(path: Path) -> list[str]:
    """Each ``<something>.search(`` call in the file, as ``name:line``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return sorted(
        f"{path.name}:{node.lineno} calls .search("
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "search"
    )


def test_the_index_holders_never_search() -> None:
    upkeep = [m for m in holders() if m not in (GATE, INDEX_PACKAGE)]
    assert upkeep, "the contract names the gallery modules that keep indexes"
    problems = [problem for module in upkeep for problem in searches(source_of(module))]
    assert problems == []


def test_the_gate_does_search() -> None:
    assert GATE in holders()
    source = source_of(GATE).read_text()
    assert "opened_index(" in source
    assert searches(source_of(GATE)) != []


def test_the_check_would_catch_a_new_caller(tmp_path: Path) -> None:
    rogue = tmp_path / "rogue.py"
    rogue.write_text("def peek(index, v):\n    return index.search(v, 5)\n")
    assert searches(rogue) == ["rogue.py:2 calls .search("]


def test_every_holder_is_a_module_of_the_package() -> None:
    """A module renamed or removed must leave the contract too, or its check is void."""
    assert all(source_of(module).is_file() for module in holders())
