"""Reports and disclosure read the store and the record: never the web layer, never an index."""

from __future__ import annotations

import ast
from pathlib import Path

import facedocket

PACKAGE = Path(facedocket.__file__).parent
FORBIDDEN = ("facedocket.web", "facedocket.gallery.index", "facedocket.gallery.indexes", "faiss")


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    found += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    return found


def test_reports_and_disclosure_import_neither_web_nor_indexes() -> None:
    sources = [*(PACKAGE / "reports").rglob("*.py"), *(PACKAGE / "disclosure").rglob("*.py")]
    assert len(sources) > 10
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sources
        for name in imports(path)
        if name.startswith(FORBIDDEN)
    ]
    assert bad == []
