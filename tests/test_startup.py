"""The command line and the web app start without the libraries only some commands need.

`facedocket --help` paid five seconds for ONNX, ONNX Runtime, FAISS and fpdf2 before any
of them was used (#13). Each import is checked in a fresh interpreter, since this test
process has long since loaded them all.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.databases import migrated_file

HEAVY = ("onnx", "onnxruntime", "faiss", "ray", "pymilvus", "fpdf", "pypdfium2")


# What a command that reads the database needs none of: the workflow's modules (policy
# packs, documents, the face pipeline), PostgreSQL's dialect on SQLite, Alembic (the
# schema check is one query), the web stack, YAML and NumPy.
NOT_FOR_READING = (
    "facedocket.cases.requests",
    "facedocket.policy",
    "facedocket.faces.images",
    "facedocket.audit.log",
    "sqlalchemy.dialects.postgresql",
    "alembic",
    "fastapi",
    "yaml",
    "numpy",
)


def loaded_after(statement: str, modules: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after running ``statement``."""
    script = (
        f"import sys, json\n{statement}\n"
        f"print(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(result.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "statement",
    [
        "import facedocket.cli",
        # Every sub-command's module, as running it imports them: heavy imports wait for use.
        "from facedocket.cli import Commands, app\n"
        "for name in Commands.SUBCOMMANDS: Commands.SUBCOMMANDS[name].load(name)",
        "import facedocket.web.app",
    ],
)
def test_startup_loads_no_heavy_library(statement: str) -> None:
    assert loaded_after(statement) == []


def test_reading_commands_load_no_workflow(tmp_path: Path) -> None:
    """``requests list`` and ``db current`` run to their end loading none of the workflow
    (#13): on an empty database at the current schema, with no user, they exit 1."""
    database = migrated_file(tmp_path / "data" / "facedocket.db")
    run = (
        "import os\n"
        f"os.environ['FACEDOCKET_DATABASE_URL'] = 'sqlite:///{database}'\n"
        "from facedocket.cli import app\n"
        "for words in (['requests', 'list', '--as', 'nobody'], ['db', 'current']):\n"
        "    try: app(words)\n"
        "    except SystemExit: pass"
    )
    assert loaded_after(run, NOT_FOR_READING) == []


def test_listing_jobs_loads_no_face_engine(tmp_path: Path) -> None:
    """``jobs list`` reads the queue only: NumPy, Pillow and the model interface wait for
    an enrolment (gallery.galleries named the model type at run time and pulled them in)."""
    database = migrated_file(tmp_path / "data" / "facedocket.db")
    run = (
        "import os\n"
        f"os.environ['FACEDOCKET_DATABASE_URL'] = 'sqlite:///{database}'\n"
        "from facedocket.cli import app\n"
        "try: app(['jobs', 'list'])\n"
        "except SystemExit: pass"
    )
    assert loaded_after(run, ("numpy", "PIL", "facedocket.faces.models")) == []


def test_the_check_sees_a_heavy_import() -> None:
    """The subprocess check itself can fail: a module that needs FAISS shows it."""
    assert loaded_after("from facedocket.gallery.index import FaissIndex\nFaissIndex(4)") == [
        "faiss"
    ]


def test_the_root_help_says_what_each_command_says() -> None:
    """The help ``facedocket --help`` lists without loading a module is that module's own."""
    from typer.main import get_command

    from facedocket.cli import Commands, app

    root = get_command(app)
    for name, lazy in Commands.SUBCOMMANDS.items():
        loaded = root.commands[name]
        assert (loaded.help or "").split("\n")[0] == lazy.help, name
