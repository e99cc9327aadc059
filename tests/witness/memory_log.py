"""An agency's log kept in memory, to submit to a witness without a database."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from facedocket.audit.merkle import (
    CompactRange,
    Node,
    consistency_ranges,
    leaf_hash,
    proof_hashes,
)
from facedocket.audit.note import checkpoint_body, sign

ORIGIN = "agency.example/audit"


class MemoryLog:
    def __init__(self, key: Ed25519PrivateKey, origin: str = ORIGIN) -> None:
        self.key, self.origin = key, origin
        self.leaves: list[bytes] = []

    def append(self, count: int) -> None:
        start = len(self.leaves)
        self.leaves += [f"entry {n}".encode() for n in range(start, start + count)]

    def root(self, size: int) -> bytes:
        edge = CompactRange()
        for leaf in self.leaves[:size]:
            edge.append(leaf_hash(leaf))
        return edge.root()

    def note(self, size: int | None = None) -> str:
        size = len(self.leaves) if size is None else size
        return sign(checkpoint_body(self.origin, size, self.root(size)), self.origin, self.key)

    def proof(self, old: int, new: int) -> list[bytes]:
        if old == 0 or old == new:
            return []
        return proof_hashes(consistency_ranges(old, new), self._nodes)

    def body(self, old: int, new: int | None = None, proof: list[bytes] | None = None) -> bytes:
        new = len(self.leaves) if new is None else new
        lines = self.proof(old, new) if proof is None else proof
        text = f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in lines)
        return (text + "\n" + self.note(new)).encode()

    def _nodes(self, nodes: list[Node]) -> dict[Node, bytes]:
        found = {}
        for level, index in nodes:
            edge = CompactRange()
            for leaf in self.leaves[index << level : (index + 1) << level]:
                edge.append(leaf_hash(leaf))
            found[(level, index)] = edge.root()
        return found
