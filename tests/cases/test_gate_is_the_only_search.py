"""Nothing but the search gate may query a gallery index for a probe.

The rule is structural, so the test reads the source. An index can only be had through
the index machinery (``gallery.index``, ``gallery.indexes``, ``gallery.opened``,
``faiss``, ``pymilvus``); outside the index package, only ``cases/gate.py`` may both hold
that machinery and call ``.search(``. A few
gallery modules keep indexes up to date or read their hits; they may import the machinery
but never search.
"""

from __future__ import annotations

import ast
from pathlib import Path

import facedocket

PACKAGE = Path(facedocket.__file__).parent
GATE = PACKAGE / "cases" / "gate.py"
INDEX_PACKAGE = PACKAGE / "gallery" / "index"
MACHINERY = (
    "facedocket.gallery.index",
    "facedocket.gallery.indexes",
    "facedocket.gallery.opened",
    "faiss",
    "pymilvus",
    "milvus_lite",
)
MAINTENANCE = {
    PACKAGE / "gallery" / name
    for name in ("indexes.py", "opened.py", "enrol.py", "writer.py", "candidates.py")
}


def offences(path: Path) -> list[str]:
    label = path.relative_to(PACKAGE) if PACKAGE in path.parents else path.name
    tree = ast.parse(path.read_text(), filename=str(path))
    imports = [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith(MACHINERY))
        or (isinstance(node, ast.Import) and any(a.name.startswith(MACHINERY) for a in node.names))
    ]
    searches = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "search"
    ]
    found = []
    if imports and path not in MAINTENANCE and path != GATE:
        found += [f"{label}:{line} imports index machinery" for line in imports]
    if imports and path != GATE:
        found += [f"{label}:{line} calls .search(" for line in searches]
    return sorted(found)


def test_only_the_gate_searches_an_index() -> None:
    sources = [p for p in PACKAGE.rglob("*.py") if INDEX_PACKAGE not in p.parents]
    problems = [problem for path in sources for problem in offences(path)]
    assert problems == []


def test_the_gate_does_search() -> None:
    source = GATE.read_text()
    assert "opened_index(" in source
    assert ".search(" in source


def test_the_check_would_catch_a_new_caller(tmp_path: Path) -> None:
    rogue = tmp_path / "rogue.py"
    rogue.write_text(
        "from facedocket.gallery.indexes import open_index\n"
        "def peek(index, v):\n    return index.search(v, 5)\n"
    )
    assert offences(rogue) == ["rogue.py:1 imports index machinery", "rogue.py:3 calls .search("]


def test_a_regex_search_is_not_an_index_search(tmp_path: Path) -> None:
    harmless = tmp_path / "harmless.py"
    harmless.write_text("import re\nre.compile('x').search('xyz')\n")
    assert offences(harmless) == []
