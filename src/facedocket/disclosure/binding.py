"""Binding a packet's case files to the signed entries it carries.

The entries in ``record/entries.jsonl`` are hash-chained and signed; the case files
(``case/*.json`` and the documents) are views of the database made when the packet was.
A packet rebuilt around an altered file, with its manifest line recomputed, still carries
the original entries, so every fact a case file states that an entry also recorded is
compared here, and each difference is named with the file, the item and the entry:

- each document (its bytes in ``case/documents/`` and its line in ``documents.json``)
  against the SHA-256 that ``request.created`` or ``statement.filed`` recorded when it
  was stored; a document shown as purged against its ``retention.purged`` entry;
- each search against its ``search.run`` entry: gallery, model and file, index,
  threshold, list size, candidates returned, probe file and face, quality override,
  examiner, and the SHA-256 of the candidate list the examiners were shown;
- each conclusion against its ``review.recorded`` entry, both ways: none added, none
  changed, none left out (unless the candidate list was purged, which has its entry);
- the request's case number, offence, gallery, basis, decision and outcome.

The packet's own ``export.created`` entry is written after the packet is made, so it
cannot be inside it: ``online`` checks that one against the agency's database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from facedocket.cases.evidence import candidate_list_sha256, recorded_document, recorded_documents
from facedocket.reports.files import Files, sha256

Entry = Mapping[str, Any]
SEARCHES, DOCUMENTS, REQUEST, BASIS = (
    "case/searches.json",
    "case/documents.json",
    "case/request.json",
    "case/basis.json",
)
DOCUMENT_FOLDER = "case/documents/"

# What ``search.run`` records, and where ``searches.json`` shows it.
SEARCH_FIELDS: dict[str, Callable[[Any], object]] = {
    "gallery": lambda s: s["gallery"],
    "model": lambda s: f"{s['model']['name']} {s['model']['version']}",
    "model_sha256": lambda s: s["model"]["file_sha256"],
    "index": lambda s: s["index"],
    "threshold": lambda s: s["threshold"],
    "list_size": lambda s: s["list_size"],
    "candidates_returned": lambda s: s["candidates_returned"],
    "probe_face": lambda s: s["probe_face"],
    "quality_override": lambda s: s["quality_override"],
}
# What ``request.created`` records, and where the request's files show it.
CREATED_FIELDS = {"case_number": REQUEST, "offence": REQUEST, "gallery": REQUEST, "basis": BASIS}
# What request.json shows of those, and of the decision and the conclusion.
REQUEST_FIELDS = ("case_number", "offence", "gallery", "outcome", "decision_reason")
# The entries whose reason is the request's decision_reason, the latest one standing.
DECISIONS = ("request.approved", "request.rejected", "request.returned", "request.withdrawn")
USERNAME = re.compile(r"\(([^()]*)\)\Z")


class _UnreadableError(ValueError):
    """A case file that is not laid out as a packet's is."""


@dataclass
class Binding:
    problems: list[str] = field(default_factory=list)
    # What the record does not let this packet be checked against (older entries).
    unchecked: list[str] = field(default_factory=list)


def bind_case_files(files: Files, entries: Sequence[Entry]) -> Binding:
    """Compare the case files with the (intact) entries of the request; name each difference."""
    binding = Binding()
    documents = _section(binding, DOCUMENTS, lambda: _documents(binding, files, entries))
    _section(binding, SEARCHES, lambda: _searches(binding, files, entries, documents or {}))
    basis = _section(binding, BASIS, lambda: _json(files, BASIS, dict)["kind"])
    _section(binding, REQUEST, lambda: _request(binding, files, entries, basis))
    return binding


def _section(binding: Binding, name: str, check: Callable[[], Any]) -> Any:
    try:
        return check()
    except _UnreadableError as error:
        binding.problems.append(f"{error.args[0]}: {error.args[1]}")
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError) as error:
        binding.problems.append(
            f"{name}: not laid out as a packet's is ({type(error).__name__}: {error})"
        )
    return None


def _json(files: Files, name: str, kind: type) -> Any:
    if name not in files:
        raise _UnreadableError(name, "missing")
    try:
        value = json.loads(files[name])
    except (ValueError, RecursionError):
        raise _UnreadableError(name, "not JSON") from None
    if not isinstance(value, kind):
        raise _UnreadableError(name, f"not a JSON {'list' if kind is list else 'object'}")
    return value


def _documents(binding: Binding, files: Files, entries: Sequence[Entry]) -> dict[Any, Any]:
    """Check every document; return each one's SHA-256 as the packet shows it, by number."""
    shown = _json(files, DOCUMENTS, list)
    recorded = recorded_documents((e["seq"], e["action"], e["details"]) for e in entries)
    purges = _by(entries, "retention.purged", "document")
    problems = binding.problems
    listed = set()
    for document in shown:
        number, kind, digest = document["document"], document["kind"], document["sha256"]
        label = f"document {number} ({kind})"
        found = recorded_document(recorded, number, kind, digest)
        if found is None:
            problems.append(f"{DOCUMENTS}: {label} with SHA-256 {digest} is not on the record")
            continue
        if found.kind != kind:
            problems.append(f"{DOCUMENTS}: {label}: the record ({found.where}) says {found.kind}")
        if digest != found.sha256:
            problems.append(
                f"{DOCUMENTS}: {label} has SHA-256 {digest}; the record ({found.where}) "
                f"says {found.sha256}"
            )
        place = document["in_packet"]
        if place is None:
            purge = purges.get(number)
            if purge is None or purge["details"].get("sha256") != found.sha256:
                problems.append(
                    f"{DOCUMENTS}: {label} is shown as purged, but the record holds no "
                    "retention.purged entry of that file"
                )
            continue
        listed.add(place)
        if place not in files:
            problems.append(f"{place}: {label} is listed in {DOCUMENTS} but missing")
        elif sha256(files[place]) != found.sha256:
            problems.append(
                f"{place}: {label} has SHA-256 {sha256(files[place])}; the record "
                f"({found.where}) says {found.sha256}"
            )
    numbers = {document["document"] for document in shown}
    problems += [
        f"{DOCUMENTS}: document {r.document} ({r.kind}), recorded by {r.where}, is missing"
        for r in recorded
        if r.document is not None and r.document not in numbers
    ]
    problems += [
        f"{name}: a document file that {DOCUMENTS} does not list"
        for name in sorted(files)
        if name.startswith(DOCUMENT_FOLDER) and name not in listed
    ]
    return {document["document"]: document["sha256"] for document in shown}


def _searches(
    binding: Binding, files: Files, entries: Sequence[Entry], documents: Mapping[int, str]
) -> None:
    shown = _json(files, SEARCHES, list)
    runs = _by(entries, "search.run", "search")
    purges = _by(entries, "retention.purged", "search")
    problems = binding.problems
    for search in shown:
        number = search["search"]
        where = f"{SEARCHES}: search {number}"
        run = runs.get(number)
        if run is None:
            problems.append(f"{where} is not on the record (no search.run entry)")
            continue
        said = f"the record (entry {run['seq']}, search.run) says"
        details = run["details"]
        values = {name: get(search) for name, get in SEARCH_FIELDS.items()}
        values["probe_sha256"] = documents.get(search["probe_document"])
        for name, value in values.items():
            if name in details and details[name] != value:
                problems.append(f"{where}: {name} is {value!r}; {said} {details[name]!r}")
        if _username(search["examiner"]) != run["actor"]:
            problems.append(f"{where}: examiner is {search['examiner']!r}; {said} {run['actor']!r}")
        purged = search["candidate_list_purged"]
        if purged is not None:
            purge = purges.get(number)
            if purge is None or purge["details"].get("sha256") != purged["sha256"]:
                problems.append(
                    f"{where}: its candidate list is shown as purged, but the record holds no "
                    "retention.purged entry of that list"
                )
            continue
        candidates = search["candidates"]
        recorded = details.get("candidates_sha256")
        if recorded is None:
            binding.unchecked.append(
                f"{where}: the record (entry {run['seq']}) predates candidate-list hashes; "
                "its names and scores are bound only through the conclusions"
            )
        elif candidate_list_sha256(candidates) != recorded:
            problems.append(
                f"{where}: its candidate list has SHA-256 {candidate_list_sha256(candidates)}; "
                f"{said} {recorded} (names, record ids, scores or ranks differ)"
            )
        _conclusions(binding, number, candidates, entries)
    numbers = {search["search"] for search in shown}
    problems += [
        f"{SEARCHES}: search {number}, recorded by entry {run['seq']} (search.run), is missing"
        for number, run in sorted(runs.items())
        if number not in numbers
    ]


def _conclusions(
    binding: Binding, search: int, candidates: list[Any], entries: Sequence[Entry]
) -> None:
    recorded = {
        (e["details"]["candidate_rank"], e["details"]["round"]): e
        for e in entries
        if e["action"] == "review.recorded" and e["details"].get("search") == search
    }
    for candidate in candidates:
        for made in candidate["conclusions"]:
            key = (candidate["rank"], made["round"])
            where = f"{SEARCHES}: search {search}, candidate {key[0]}, round {key[1]}"
            entry = recorded.pop(key, None)
            if entry is None:
                binding.problems.append(f"{where}: a conclusion the record does not hold")
                continue
            said = f"the record (entry {entry['seq']}, review.recorded) says"
            for name in ("conclusion", "reasons"):
                if made[name] != entry["details"][name]:
                    binding.problems.append(
                        f"{where}: {name} is {made[name]!r}; {said} {entry['details'][name]!r}"
                    )
            if _username(made["examiner"]) != entry["actor"]:
                binding.problems.append(
                    f"{where}: examiner is {made['examiner']!r}; {said} {entry['actor']!r}"
                )
    binding.problems += [
        f"{SEARCHES}: search {search}, candidate {rank}, round {round_}: the record (entry "
        f"{entry['seq']}, review.recorded) holds a conclusion; the packet leaves it out"
        for (rank, round_), entry in sorted(recorded.items())
    ]


def _request(
    binding: Binding, files: Files, entries: Sequence[Entry], basis: object | None
) -> None:
    """The request's facts against its entries; ``basis`` None: basis.json is unreadable."""
    request = _json(files, REQUEST, dict)
    shown = {name: request[name] for name in REQUEST_FIELDS}
    if basis is not None:
        shown["basis"] = basis
    recorded: dict[str, tuple[Entry, object]] = {}
    for entry in entries:
        details = entry["details"]
        # A correction (``request.edited``) rewrites what the request says.
        if entry["action"] in ("request.created", "request.edited"):
            recorded |= {name: (entry, details.get(name)) for name in CREATED_FIELDS}
        elif entry["action"] == "request.concluded":
            recorded["outcome"] = (entry, details.get("outcome"))
        elif entry["action"] in DECISIONS:
            recorded["decision_reason"] = (entry, details.get("reason"))
    for name, value in shown.items():
        place = CREATED_FIELDS.get(name, REQUEST)
        if name not in recorded:
            if value is not None:
                binding.problems.append(f"{place}: {name} is {value!r}; the record holds none")
            continue
        entry, said = recorded[name]
        if value != said:
            binding.problems.append(
                f"{place}: {name} is {value!r}; the record (entry {entry['seq']}, "
                f"{entry['action']}) says {said!r}"
            )


def _by(entries: Sequence[Entry], action: str, key: str) -> dict[Any, Entry]:
    """The entries of one action by a detail (the last one where several name it)."""
    return {e["details"].get(key): e for e in entries if e["action"] == action}


def _username(shown: object) -> str | None:
    """``Full Name (username)`` as the packet names people: the username the record names."""
    found = USERNAME.search(shown) if isinstance(shown, str) else None
    return found.group(1) if found else None
