"""The face pipeline on real photos: one face, several faces, none, and 1:1 comparison."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.photos import blank, lfw, side_by_side

from facedocket.faces.errors import FaceChoiceError, FaceError, NoFaceError
from facedocket.faces.pipeline import FacePipeline
from facedocket.faces.registry import build_pipeline
from facedocket.settings import Settings


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> FacePipeline:
    return build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("data")))


def test_portrait_gives_one_aligned_measured_face(pipeline: FacePipeline, faces: Path) -> None:
    photo, face = pipeline.enrolment_face(lfw(faces, "Aaron_Peirsol").read_bytes())
    assert (photo.width, photo.height) == (250, 250)
    assert face.chip.shape == (150, 150, 3)
    assert 30 < face.quality.eye_distance < 120
    assert abs(face.quality.roll) < 30
    assert face.quality.blur > 0
    (vector,) = pipeline.embed([face])
    assert vector.shape == (128,)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_same_person_scores_above_strangers(pipeline: FacePipeline, faces: Path) -> None:
    def template(name: str, number: int) -> np.ndarray:
        _, face = pipeline.enrolment_face(lfw(faces, name, number).read_bytes())
        return pipeline.embed([face])[0]

    first, again = template("Aaron_Peirsol", 1), template("Aaron_Peirsol", 2)
    stranger = template("Aaron_Sorkin", 1)
    threshold = pipeline.embedder.card.threshold
    assert float(first @ again) >= threshold > float(first @ stranger)


def test_a_probe_template_stays_close_to_the_gallery_template_of_its_photo(
    pipeline: FacePipeline, faces: Path
) -> None:
    """Probe augmentation (turned views) refines a template; it does not make another one."""
    _, face = pipeline.enrolment_face(lfw(faces, "Aaron_Peirsol").read_bytes())
    _, stranger = pipeline.enrolment_face(lfw(faces, "Aaron_Sorkin").read_bytes())
    gallery, other = pipeline.embed([face, stranger])
    probe = pipeline.embed([face], probe=True)[0]
    assert pipeline.embedder.card.probe_rotations
    assert 0.97 < float(probe @ gallery) < 0.99999
    assert np.isclose(float(probe @ probe), 1.0, atol=1e-5)
    assert float(probe @ other) < pipeline.embedder.card.threshold


def test_probe_with_two_faces_needs_a_choice(pipeline: FacePipeline, faces: Path) -> None:
    data = side_by_side(lfw(faces, "Aaron_Peirsol"), lfw(faces, "Aaron_Sorkin"))
    with pytest.raises(FaceChoiceError, match="holds 2 faces") as caught:
        pipeline.probe_face(data)
    assert caught.value.count == 2
    photo, chosen = pipeline.probe_face(data, choice=1)
    assert len(photo.faces) == 2
    assert chosen is photo.faces[1]
    with pytest.raises(FaceError, match="face 5 does not exist") as bad:
        pipeline.probe_face(data, choice=5)
    assert bad.value.code == "bad_face_choice"


def test_two_similar_faces_are_not_enrolled(pipeline: FacePipeline, faces: Path) -> None:
    data = side_by_side(lfw(faces, "Aaron_Peirsol"), lfw(faces, "Aaron_Sorkin"))
    with pytest.raises(FaceError, match="2 faces of similar size") as caught:
        pipeline.enrolment_face(data)
    assert caught.value.code == "ambiguous_faces"


def test_no_face(pipeline: FacePipeline) -> None:
    with pytest.raises(NoFaceError, match="no face"):
        pipeline.enrolment_face(blank())
    with pytest.raises(NoFaceError):
        pipeline.probe_face(blank())


def test_small_grey_photos_are_upsampled(pipeline: FacePipeline, faces: Path) -> None:
    orl = sorted((faces / "orl").glob("*/*.jpg"))[0]
    photo, face = pipeline.enrolment_face(orl.read_bytes())
    assert (photo.width, photo.height) == (92, 112)
    assert face.quality.eye_distance > 10


def placed(photo: Path, canvas: tuple[int, int], scale: int) -> bytes:
    """A large JPEG of grey background with the photo, enlarged ``scale`` times, at its centre."""
    face = Image.open(photo).convert("RGB")
    face = face.resize((face.width * scale, face.height * scale), Image.Resampling.BICUBIC)
    image = Image.new("RGB", canvas, (120, 120, 120))
    image.paste(face, ((canvas[0] - face.width) // 2, (canvas[1] - face.height) // 2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_large_probe_is_searched_at_the_working_size(
    pipeline: FacePipeline, faces: Path, tmp_path: Path
) -> None:
    bounded = build_pipeline(Settings(data_dir=tmp_path, max_image_side=1024))
    bounded.embedder = pipeline.embedder
    portrait = lfw(faces, "Aaron_Peirsol")
    # The face is about 100 pixels across in the working image (a quarter of 4000): small,
    # so the thorough detector must still upsample to find it.
    photo, face = bounded.probe_face(placed(portrait, (4000, 3000), 4))
    assert (photo.width, photo.height) == (1000, 750)  # decoded at 1/4
    _, original = pipeline.enrolment_face(portrait.read_bytes())
    large, small = pipeline.embed([face, original], probe=True)
    assert float(large @ small) >= pipeline.embedder.card.threshold
