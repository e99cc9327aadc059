"""The tree arithmetic against transparency-dev/merkle's published vectors (see the data file)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facedocket.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Node,
    ProofError,
    complete_subtrees,
    consistency_ranges,
    fold,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    proof_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "merkle_vectors.json").read_text())
LEAVES = [bytes.fromhex(value) for value in VECTORS["leaf_inputs"]]
ROOTS = [bytes.fromhex(value) for value in VECTORS["root_hashes"]]


def reference_mth(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, recursively, straight from the text."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_mth(leaves[:k]), reference_mth(leaves[k:]))


def stored(leaves: list[bytes]) -> dict[Node, bytes]:
    """Every complete node of the tree over ``leaves``, as a store keeps them."""
    edge = CompactRange()
    nodes: dict[Node, bytes] = {}
    for leaf in leaves:
        nodes.update({(level, index): h for level, index, h in edge.append(leaf_hash(leaf))})
    return nodes


def lookup_in(nodes: dict[Node, bytes]) -> Any:
    return lambda wanted: {node: nodes[node] for node in wanted}


def b64(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(value) for value in values or []]


def test_node_hashes_and_roots_match_the_vectors() -> None:
    nodes = stored(LEAVES)
    for level, row in enumerate(VECTORS["node_hashes"]):
        for index, expected in enumerate(row):
            assert nodes[(level, index)].hex() == expected
    for size, expected in enumerate(ROOTS):
        edge = CompactRange()
        for leaf in LEAVES[:size]:
            edge.append(leaf_hash(leaf))
        assert edge.root() == expected == reference_mth(LEAVES[:size])


@pytest.mark.parametrize("vector", VECTORS["inclusion_proofs"], ids=str)
def test_inclusion_proofs_match_the_vectors(vector: dict[str, Any]) -> None:
    nodes = stored(LEAVES[: vector["size"]])
    proof = proof_hashes(inclusion_ranges(vector["index"], vector["size"]), lookup_in(nodes))
    assert [value.hex() for value in proof] == vector["proof"]
    leaf = leaf_hash(LEAVES[vector["index"]])
    verify_inclusion(vector["index"], vector["size"], leaf, proof, ROOTS[vector["size"]])


@pytest.mark.parametrize("vector", VECTORS["consistency_proofs"], ids=str)
def test_consistency_proofs_match_the_vectors(vector: dict[str, Any]) -> None:
    nodes = stored(LEAVES[: vector["new"]])
    proof = proof_hashes(consistency_ranges(vector["old"], vector["new"]), lookup_in(nodes))
    assert [value.hex() for value in proof] == vector["proof"]
    verify_consistency(
        vector["old"], vector["new"], ROOTS[vector["old"]], ROOTS[vector["new"]], proof
    )


@pytest.mark.parametrize("probe", VECTORS["probes"]["inclusion"], ids=lambda p: p["file"])
def test_inclusion_verification_probes(probe: dict[str, Any]) -> None:
    def check() -> None:
        verify_inclusion(
            probe["leafIdx"],
            probe["treeSize"],
            base64.b64decode(probe["leafHash"] or ""),
            b64(probe["proof"]),
            base64.b64decode(probe["root"] or ""),
        )

    if probe["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("probe", VECTORS["probes"]["consistency"], ids=lambda p: p["file"])
def test_consistency_verification_probes(probe: dict[str, Any]) -> None:
    def check() -> None:
        verify_consistency(
            probe["size1"],
            probe["size2"],
            base64.b64decode(probe["root1"] or ""),
            base64.b64decode(probe["root2"] or ""),
            b64(probe["proof"]),
        )

    if probe["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@given(size=st.integers(1, 70), data=st.data())
def test_every_proof_of_random_trees_verifies_and_a_flipped_bit_fails(
    size: int, data: st.DataObject
) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    nodes = stored(leaves)
    root = reference_mth(leaves)
    edge = [nodes[node] for node in complete_subtrees(0, size)]
    assert fold(edge) == root
    index = data.draw(st.integers(0, size - 1))
    proof = proof_hashes(inclusion_ranges(index, size), lookup_in(nodes))
    verify_inclusion(index, size, leaf_hash(leaves[index]), proof, root)
    old = data.draw(st.integers(1, size))
    consistency = proof_hashes(consistency_ranges(old, size), lookup_in(nodes))
    verify_consistency(old, size, reference_mth(leaves[:old]), root, consistency)
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        forged = list(proof)
        forged[position] = bytes([forged[position][0] ^ 1]) + forged[position][1:]
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf_hash(leaves[index]), forged, root)
    if consistency:
        with pytest.raises(ProofError):
            verify_consistency(old, size, reference_mth(leaves[:old]), root, consistency[:-1])
