"""The Merkle tree over the record, kept as a table of complete-subtree hashes.

Leaf ``i`` (from 0) is entry ``i + 1``; its bytes are the entry's line in an export
without the newline: the RFC 8785 bytes of the whole entry, ``entry_hash`` included.
``append`` adds a leaf in the writer's transaction, after the head row's lock has given
it its number, so two appenders can never write the same node: the tree cannot fork.
Each append needs the tree's right edge (at most log2(n) rows, by primary key): the first
append of a transaction reads it, and the transaction keeps it in memory for its next
appends, since no one else can add a leaf while it holds the head row (nodes are never
changed, only added). Each append writes the nodes it completes (one to log2(n) + 1
rows). A proof reads the O(log n) nodes it names, never the entries, in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, insert, or_, select
from sqlalchemy.orm import Session

from facedocket.audit.merkle import (
    CompactRange,
    Node,
    complete_subtrees,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    proof_hashes,
)
from facedocket.store.schema import AuditTreeNode

BATCH = 5000
EDGE = "facedocket.audit.tree.edge"  # session.info key: (transaction, CompactRange)


class TreeError(RuntimeError):
    """The stored tree lacks a node it must have: it was never built, or was cut."""


def add_leaf(session: Session, index: int, leaf: bytes) -> bytes:
    """Add entry ``index + 1``'s bytes as the tree's next leaf; its leaf hash."""
    transaction = session.get_transaction()
    kept = session.info.get(EDGE)
    # Only an edge kept by this very transaction at this very size is the tree's: after
    # a rollback (of it or of a savepoint) the size no longer matches, so it is read again.
    if kept is not None and kept[0] is transaction and kept[1].size == index:
        edge = kept[1]
    else:
        edge = right_edge(session, index)
    digest = leaf_hash(leaf)
    completed = edge.append(digest)
    session.info[EDGE] = (transaction, edge)
    write_nodes(session, completed)
    return digest


def right_edge(session: Session, size: int) -> CompactRange:
    """The complete subtrees of the tree of ``size`` leaves, read from the store."""
    wanted = complete_subtrees(0, size)
    known = stored_nodes(session, wanted)
    return CompactRange(size, [known[node] for node in wanted])


def root(session: Session, size: int) -> bytes:
    """The root hash of the tree of the first ``size`` entries."""
    return right_edge(session, size).root()


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return proof_hashes(inclusion_ranges(index, size), lambda nodes: stored_nodes(session, nodes))


def consistency_proof(session: Session, old: int, new: int) -> list[bytes]:
    """The RFC 9162 proof that the tree of ``new`` leaves extends the one of ``old``."""
    return proof_hashes(consistency_ranges(old, new), lambda nodes: stored_nodes(session, nodes))


def stored_nodes(session: Session, nodes: list[Node]) -> dict[Node, bytes]:
    if not nodes:
        return {}
    values = {}
    for number, (level, idx) in enumerate(nodes):
        values[f"l{number}"], values[f"i{number}"] = level, idx
    rows = session.connection().execute(_lookup(len(nodes)), values)
    found = {(level, idx): bytes(digest) for level, idx, digest in rows}
    missing = [node for node in nodes if node not in found]
    if missing:
        level, idx = missing[0]
        first = idx * 2**level + 1
        raise TreeError(
            f"the Merkle tree lacks the node over entries {first} to {first + 2**level - 1}: "
            "the tree was cut or never built (run the database migrations)"
        )
    return found


@lru_cache(maxsize=256)
def _lookup(count: int) -> Select[int, int, bytes]:
    """One statement reading ``count`` nodes by primary key, built once per count (building
    it cost more than running it) and so compiled once. Both databases look each term up
    in the primary key (SQLite's multi-index OR; a row-value IN list it would scan)."""
    return select(AuditTreeNode.level, AuditTreeNode.idx, AuditTreeNode.hash).where(
        or_(
            *(
                and_(
                    AuditTreeNode.level == bindparam(f"l{n}"),
                    AuditTreeNode.idx == bindparam(f"i{n}"),
                )
                for n in range(count)
            )
        )
    )


def write_nodes(session: Session, nodes: Iterable[tuple[int, int, bytes]]) -> None:
    rows = [{"level": level, "idx": idx, "hash": digest} for level, idx, digest in nodes]
    connection = session.connection()  # Core: the ORM's bulk path costs more than the rows
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(AuditTreeNode), rows[start : start + BATCH])


def build(session: Session, leaves: Iterable[bytes]) -> int:
    """Write the whole tree over ``leaves`` into an empty table (the migration); the size."""
    edge = CompactRange()
    pending: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        pending += edge.append(leaf_hash(leaf))
        if len(pending) >= BATCH:
            write_nodes(session, pending)
            pending = []
    write_nodes(session, pending)
    return edge.size


class StoredTreeCheck:
    """Compares the nodes a verifier recomputes from the entries with the stored ones.

    Fed the nodes each leaf completes; every ``CHUNK`` leaves it reads the stored nodes
    completed by those leaves (one range per level, by primary key) and names the first
    that differs, so a rewritten node is found wherever it sits, not only on the path to
    the root, in one pass and bounded memory.
    """

    CHUNK = 4096

    def __init__(self, session: Session, first_leaf: int) -> None:
        self.session = session
        self.start = self.end = first_leaf
        self.pending: dict[Node, bytes] = {}

    def add(self, completed: Iterable[tuple[int, int, bytes]]) -> str | None:
        self.pending.update({(level, idx): digest for level, idx, digest in completed})
        self.end += 1
        return self.flush() if self.end - self.start >= self.CHUNK else None

    def flush(self) -> str | None:
        start, end = self.start, self.end
        ranges = [
            and_(AuditTreeNode.level == level, AuditTreeNode.idx.between(low, high - 1))
            for level in range(end.bit_length())
            if (high := end >> level) > (low := start >> level)
        ]
        stored = {}
        if ranges:
            rows = self.session.execute(
                select(AuditTreeNode.level, AuditTreeNode.idx, AuditTreeNode.hash).where(
                    or_(*ranges)
                )
            )
            stored = {(level, idx): bytes(digest) for level, idx, digest in rows}
        for (level, idx), digest in sorted(self.pending.items()):
            if stored.get((level, idx)) != digest:
                first = idx * 2**level + 1
                how = "lacks" if (level, idx) not in stored else "holds another hash for"
                return (
                    f"the stored Merkle tree {how} the node over entries {first} to "
                    f"{first + 2**level - 1}: it was rewritten or cut, and proofs drawn "
                    "from it would not verify"
                )
        self.start, self.pending = end, {}
        return None
