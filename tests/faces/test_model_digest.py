"""The model file's digest: computed once per file, again whenever the file changes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from facedocket.faces import models
from facedocket.faces.models import sha256_file


def test_a_model_file_is_hashed_once_while_it_stays_the_same(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"first model" * 1000)
    models._sha256_of.cache_clear()
    assert sha256_file(model) == hashlib.sha256(b"first model" * 1000).hexdigest()
    assert sha256_file(model) == sha256_file(tmp_path / "." / "model.onnx")
    assert models._sha256_of.cache_info().misses == 1


def test_a_changed_model_file_is_hashed_again(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"A" * 4096)
    before = sha256_file(model)
    # Same size, rewritten in place: its modification time differs.
    stat = model.stat()
    model.write_bytes(b"B" * 4096)
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    rewritten = sha256_file(model)
    assert rewritten == hashlib.sha256(b"B" * 4096).hexdigest() != before
    # Replaced by a rename with the old time stamp: another inode.
    replacement = tmp_path / "new.onnx"
    replacement.write_bytes(b"C" * 4096)
    os.utime(replacement, ns=(stat.st_atime_ns, model.stat().st_mtime_ns))
    replacement.replace(model)
    assert sha256_file(model) == hashlib.sha256(b"C" * 4096).hexdigest()
