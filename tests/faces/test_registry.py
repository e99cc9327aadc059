"""Registering another embedder by model card, and the refusals of a bad card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from facedocket.faces.models import normalise, rotated
from facedocket.faces.registry import UnknownModelError, cards_dir, load_embedder


def tiny_model(path: Path, size: int = 32, dimension: int = 8) -> None:
    """A real ONNX graph: flatten an NCHW chip and project it to ``dimension`` values."""
    weights = np.random.default_rng(0).standard_normal((3 * size * size, dimension))
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["input"], ["flat"]),
            helper.make_node("MatMul", ["flat", "weights"], ["output"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 3, size, size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["n", dimension])],
        [numpy_helper.from_array(weights.astype(np.float32), "weights")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def write_card(models_dir: Path, text: str) -> None:
    folder = cards_dir(models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "agency-net.yaml").write_text(text)


CARD = """
name: agency-net
version: "2.1"
file: agency-net.onnx
dimension: 8
threshold: 0.5
chip_size: 32
"""


def test_registered_model_embeds_normalised_vectors(tmp_path: Path) -> None:
    write_card(tmp_path, CARD)
    tiny_model(cards_dir(tmp_path) / "agency-net.onnx")
    embedder = load_embedder("agency-net", tmp_path)
    assert (embedder.card.version, embedder.card.dimension) == ("2.1", 8)
    chips = np.random.default_rng(1).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    vectors = embedder.embed(chips)
    assert vectors.shape == (3, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert len(embedder.file_sha256) == 64
    with pytest.raises(ValueError, match="takes chips of 32x32x3"):
        embedder.embed(np.zeros((1, 150, 150, 3), dtype=np.uint8))


def test_probe_rotations_average_turned_views_of_a_probe(tmp_path: Path) -> None:
    write_card(tmp_path, CARD + "flip_average: false\nprobe_rotations: [3, -3]\n")
    tiny_model(cards_dir(tmp_path) / "agency-net.onnx")
    embedder = load_embedder("agency-net", tmp_path)
    assert embedder.card.probe_rotations == (3.0, -3.0)
    chips = np.random.default_rng(2).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    gallery, probe = embedder.embed(chips), embedder.embed(chips, probe=True)
    assert not np.allclose(gallery, probe, atol=1e-3)
    # The probe template is the normalised mean of the chip's views: as is, and each turn.
    views = [gallery, embedder.embed(rotated(chips, 3.0)), embedder.embed(rotated(chips, -3.0))]
    assert np.allclose(probe, normalise(np.asarray(sum(views))), atol=1e-5)
    assert np.array_equal(probe, embedder.embed(chips, probe=True))


def test_unknown_model_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError, match="known models: dlib-resnet-v1"):
        load_embedder("nope", tmp_path)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (CARD.replace("dimension: 8\n", ""), "dimension"),
        (CARD + "colour: blue\n", "colour"),
        (CARD.replace("threshold: 0.5", "threshold: high"), "threshold"),
        (CARD + "probe_rotations: [3, 90]\n", "probe_rotations"),
        ("name: [unclosed", "invalid"),
    ],
)
def test_bad_cards_are_refused_by_field(tmp_path: Path, text: str, complaint: str) -> None:
    write_card(tmp_path, text)
    tiny_model(cards_dir(tmp_path) / "agency-net.onnx")
    with pytest.raises(ValueError, match=complaint):
        load_embedder("agency-net", tmp_path)


def test_card_naming_a_missing_file(tmp_path: Path) -> None:
    write_card(tmp_path, CARD)
    with pytest.raises(ValueError, match=r"agency-net\.onnx, which does not exist"):
        load_embedder("agency-net", tmp_path)
