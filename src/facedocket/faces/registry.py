"""Which embedders exist: the built-in dlib model and any model card an agency registers.

A registered model is a YAML card beside its ONNX file (``<models_dir>/cards``). The
card is validated when loaded; a card with a missing field or file is a precise error,
never a silently different model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import face_recognition_models
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from facedocket.faces.detect import FaceDetector
from facedocket.faces.images import DecodeLimits
from facedocket.faces.models import ModelCard, OnnxEmbedder
from facedocket.faces.pipeline import FacePipeline
from facedocket.settings import Settings

# dlib publishes 0.6 as the Euclidean distance threshold for its raw descriptors, whose
# norm is about 1.43; on unit vectors that distance is a cosine of 1 - 0.6**2 / (2 * 1.43**2).
DLIB_RESNET = ModelCard(
    name="dlib-resnet-v1",
    version="1.0",
    dimension=128,
    threshold=0.912,
    chip_size=150,
    chip_padding=0.25,
    probe_rotations=(3.0, -3.0),
)


class ModelCardFile(BaseModel):
    """A registered model card as written in YAML."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,99}$")
    version: str = Field(min_length=1, max_length=50)
    file: Path
    dimension: int = Field(gt=0, le=4096)
    threshold: float = Field(gt=-1, lt=1)
    chip_size: int = Field(default=112, ge=32, le=512)
    chip_padding: float = Field(default=0.25, ge=0, le=1)
    layout: Literal["nhwc", "nchw"] = "nchw"
    mean: float = 127.5
    scale: float = 1 / 127.5
    flip_average: bool = True
    # Small turns only: a chip turned far is a face the model never saw upright.
    probe_rotations: tuple[Annotated[float, Field(ge=-20, le=20)], ...] = Field(
        default=(), max_length=8
    )


class UnknownModelError(LookupError):
    pass


def cards_dir(models_dir: Path) -> Path:
    return models_dir / "cards"


def load_embedder(name: str, models_dir: Path) -> OnnxEmbedder:
    """The embedder called ``name``; the dlib model is converted to ONNX on first use."""
    if name == DLIB_RESNET.name:
        # The converter needs onnx (over a second to import); only this path uses it.
        from facedocket.faces.dlib_resnet_onnx import load_or_convert  # noqa: PLC0415

        dat = Path(face_recognition_models.face_recognition_model_location())
        return OnnxEmbedder(DLIB_RESNET, load_or_convert(dat, models_dir))
    card_path = cards_dir(models_dir) / f"{name}.yaml"
    if not card_path.is_file():
        known = [DLIB_RESNET.name, *sorted(p.stem for p in cards_dir(models_dir).glob("*.yaml"))]
        raise UnknownModelError(f"no model called {name!r}; known models: {', '.join(known)}")
    card, model_file = read_card(card_path)
    return OnnxEmbedder(card, model_file)


def read_card(path: Path) -> tuple[ModelCard, Path]:
    try:
        raw = yaml.safe_load(path.read_text())
        parsed = ModelCardFile.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as error:
        raise ValueError(f"model card {path} is invalid: {error}") from None
    model_file = parsed.file if parsed.file.is_absolute() else path.parent / parsed.file
    if not model_file.is_file():
        raise ValueError(f"model card {path} names {model_file}, which does not exist")
    fields = parsed.model_dump(exclude={"file"})
    return ModelCard(**fields), model_file


def build_pipeline(settings: Settings) -> FacePipeline:
    """The face pipeline a deployment's settings describe; models load on first use."""
    return FacePipeline(
        FaceDetector(max_upsample=settings.max_upsample),
        load_embedder(settings.model, settings.models_dir),
        DecodeLimits.of(settings),
    )
