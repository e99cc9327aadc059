"""RFC 9162 (Certificate Transparency v2) Merkle tree arithmetic, with no storage.

Leaves and nodes are hashed with domain separation (§2.1.1)::

    leaf hash  = SHA-256(0x00 || leaf bytes)
    node hash  = SHA-256(0x01 || left || right)
    empty tree = SHA-256("")

A tree of ``n`` leaves is made of at most log2(n) *complete* subtrees (a power of two
leaves, aligned on their size), one per bit of ``n``. A complete subtree is named by its
``(level, index)``: level 0 are the leaves, and node ``(level, index)`` covers leaves
``index * 2**level`` to ``(index + 1) * 2**level - 1``. Those are the only hashes a store
keeps (see ``tree``); every hash a proof needs is a right fold of at most log2(n) of them,
so no proof reads more than O(log² n) nodes and none reads a leaf it does not need.

Proof generation follows RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF) as ranges of
leaves; verification is §2.1.3.2 and §2.1.4.2 word for word. ``tests/audit/test_merkle``
checks all of it against transparency-dev/merkle's published vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Node = tuple[int, int]  # (level, index) of a complete subtree
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not prove what it claims; the message says what failed."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def complete_subtrees(start: int, end: int) -> list[Node]:
    """The complete subtrees that make up leaves ``start`` to ``end - 1``, left to right.

    ``start`` must be aligned on the largest of them, as every range of RFC 9162's
    recursion is (it starts at a sum of larger powers of two).
    """
    nodes: list[Node] = []
    size = end - start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            if start % (1 << level):
                raise ValueError(f"leaves {start}..{end - 1} are not aligned as RFC 9162 splits")
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees' hashes: RFC 9162 splits off the largest."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (size >= 2): RFC 9162's k."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, as leaf ranges, nearest the leaf first."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index + 1} is not in a tree of {size} entries")
    ranges = []
    low, high = 0, size
    while high - low > 1:
        k = _split(high - low)
        if index - low < k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
    return ranges[::-1]


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """PROOF(old, D[0:new]) of RFC 9162 §2.1.4.1, as leaf ranges, deepest first."""
    if not 0 < old <= new:
        raise ProofError(f"no consistency proof from {old} to {new} entries")
    ranges = []
    low, high, first, whole = 0, new, old, True
    while first != high - low:
        k = _split(high - low)
        if first <= k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
            first -= k
            whole = False
    if not whole:
        ranges.append((low, high))
    return ranges[::-1]


def proof_hashes(
    ranges: Sequence[tuple[int, int]], lookup: Callable[[list[Node]], dict[Node, bytes]]
) -> list[bytes]:
    """The hashes of ``ranges``, reading every node they need with one ``lookup`` call."""
    parts = [complete_subtrees(start, end) for start, end in ranges]
    known = lookup(sorted({node for part in parts for node in part}))
    return [fold([known[node] for node in part]) for part in parts]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: ``leaf`` (a leaf hash) is entry ``index`` of the tree ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    _check_hashes([leaf, root, *proof])
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    if result != root:
        raise ProofError("the inclusion proof leads to another root: the entry is not in this tree")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: the tree of ``new`` leaves extends the tree of ``old`` leaves."""
    if not 0 < old <= new:
        # From the empty tree every tree is "consistent": such a proof proves nothing.
        raise ProofError(f"no consistency proof goes from {old} to {new} entries")
    _check_hashes(proof)
    if old == new:
        if proof:
            raise ProofError(f"a proof between two trees of {old} entries must be empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same {old} entries: a fork")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for step in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            first = node_hash(step, first)
            second = node_hash(step, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, step)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if first != old_root:
        raise ProofError(f"the proof does not lead to the old root of {old} entries")
    if second != new_root:
        raise ProofError(f"the proof does not lead to the new root of {new} entries")


def _check_hashes(hashes: Sequence[bytes]) -> None:
    if any(len(value) != HASH_SIZE for value in hashes):
        raise ProofError(f"a hash in the proof is not {HASH_SIZE} bytes")


class CompactRange:
    """The right edge of a growing tree: its complete subtrees, biggest first.

    Appending a leaf merges equal-sized subtrees and returns every node that became
    complete, so a store writes O(log n) rows per entry and never reads a leaf again.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge subtrees")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf (its hash); the completed nodes as (level, index, hash)."""
        index, digest, level = self.size, leaf, 0
        completed = [(0, index, digest)]
        while index & 1:
            digest = node_hash(self.hashes.pop(), digest)
            index >>= 1
            level += 1
            completed.append((level, index, digest))
        self.hashes.append(digest)
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold(self.hashes)
