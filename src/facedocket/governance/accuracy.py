"""The accuracy a benchmark measured, read defensively from its JSON results.

The accuracy benchmark (``bench/accuracy.py``) writes ``bench/results/accuracy.json``;
its layout is still settling, so only this small subset is read, and anything else in
the file is ignored::

    environment.when                                   when it was measured (text)
    systems[]                                          the entry named "FaceDocket",
                                                       or the only entry
      .verification.<dataset>.cv_accuracy.mean         1:1 accuracy (else
                                                       .accuracy_at_default)
      .verification.<dataset>.pairs                    pairs compared
      .verification.<dataset>.tar_at_far.{tar,far}     true accepts at a false-accept rate
      .identification.{rank1,rank10,probes,identities} 1:N search accuracy
      .identification.per_dataset.<dataset>.rank1

A missing file, a file that is not JSON, or a file holding none of these figures reads
as "not measured", said in so many words: a defence lawyer must never mistake a missing
figure for a good one. Fractions are kept as decimal strings ("0.9844"), the form the
audit record and a printed report share.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 5 * 1024 * 1024
DATASET = re.compile(r"[A-Za-z0-9_.-]{1,40}")
MAX_DATASETS = 20
NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class MeasuredAccuracy:
    """Figures as decimal strings by dataset, or ``measured`` False and why."""

    measured: bool
    note: str
    sha256: str | None = None
    measured_at: str | None = None
    verification: dict[str, dict[str, str]] = field(default_factory=dict)
    identification: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON of strings only: fit for the audit record and a disclosure packet."""
        return {
            "measured": self.measured,
            "note": self.note,
            "sha256": self.sha256,
            "measured_at": self.measured_at,
            "verification": self.verification,
            "identification": self.identification,
        }

    def lines(self) -> list[str]:
        """The figures as a reader sees them."""
        if not self.measured:
            return [self.note]
        shown = [f"measured {self.measured_at or '(date not recorded)'}"]
        for dataset, figures in self.verification.items():
            parts = [f"{name} {value}" for name, value in figures.items()]
            shown.append(f"1:1 verification on {dataset}: {', '.join(parts)}")
        if self.identification:
            parts = [f"{name} {value}" for name, value in self.identification.items()]
            shown.append(f"1:N identification: {', '.join(parts)}")
        return shown


def read_accuracy(path: Path) -> MeasuredAccuracy:
    """The figures in the benchmark results at ``path``, or "not measured" and why."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return MeasuredAccuracy(
            False, f"{NOT_MEASURED}: no benchmark results ({path.name} not found)"
        )
    except OSError as error:
        return MeasuredAccuracy(
            False, f"{NOT_MEASURED}: {path.name} cannot be read ({error.strerror})"
        )
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_BYTES:
        return MeasuredAccuracy(False, f"{NOT_MEASURED}: {path.name} is over {MAX_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return MeasuredAccuracy(False, f"{NOT_MEASURED}: {path.name} is not JSON", digest)
    system = _system(data)
    verification = _verification(_get(system, "verification"))
    identification = _identification(_get(system, "identification"))
    if not verification and not identification:
        return MeasuredAccuracy(
            False, f"{NOT_MEASURED}: {path.name} holds no accuracy figures FaceDocket reads", digest
        )
    when = _get(_get(data, "environment"), "when")
    return MeasuredAccuracy(
        measured=True,
        note=f"measured by the accuracy benchmark ({path.name})",
        sha256=digest,
        measured_at=when[:40] if isinstance(when, str) else None,
        verification=verification,
        identification=identification,
    )


def _system(data: Any) -> Any:
    systems = _get(data, "systems")
    if not isinstance(systems, list):
        return None
    named = [s for s in systems if _get(s, "name") == "FaceDocket"]
    if named:
        return named[0]
    return systems[0] if len(systems) == 1 else None


def _verification(section: Any) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for dataset, figures in _datasets(section):
        accuracy = _fraction(_get(_get(figures, "cv_accuracy"), "mean"))
        if accuracy is None:
            accuracy = _fraction(_get(figures, "accuracy_at_default"))
        if accuracy is None:
            continue
        shown = {"accuracy": accuracy}
        pairs = _count(_get(figures, "pairs"))
        if pairs is not None:
            shown["pairs"] = pairs
        tar = _fraction(_get(_get(figures, "tar_at_far"), "tar"))
        far = _fraction(_get(_get(figures, "tar_at_far"), "far"))
        if tar is not None and far is not None:
            shown["true_accepts"] = tar
            shown["at_false_accepts"] = far
        found[dataset] = shown
    return found


def _identification(section: Any) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name in ("rank1", "rank10"):
        value = _fraction(_get(section, name))
        if value is not None:
            shown[name] = value
    if not shown:
        return {}
    for name in ("probes", "identities"):
        count = _count(_get(section, name))
        if count is not None:
            shown[name] = count
    for dataset, figures in _datasets(_get(section, "per_dataset")):
        value = _fraction(_get(figures, "rank1"))
        if value is not None:
            shown[f"rank1_{dataset}"] = value
    return shown


def _datasets(section: Any) -> list[tuple[str, Any]]:
    if not isinstance(section, dict):
        return []
    named = [(k, v) for k, v in section.items() if isinstance(k, str) and DATASET.fullmatch(k)]
    return sorted(named)[:MAX_DATASETS]


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _fraction(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not 0 <= value <= 1:
        return None
    return f"{value:.4f}"


def _count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return str(value)
