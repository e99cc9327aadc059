"""How usable a face is: size, sharpness, pose and detector confidence.

These figures travel with every template and probe so an examiner can see why a poor photo
gave poor candidates, and so a policy can demand an override reason below a floor.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import NDArray

from facedocket.faces.detect import Detection


@dataclass(frozen=True)
class FaceQuality:
    eye_distance: float  # pixels between the eye centres in the original photo
    blur: float  # variance of the Laplacian on the aligned chip; low means blurred
    roll: float  # degrees the eye line is tilted
    yaw: float  # nose offset from the eyes' midline, as a share of the eye distance
    detector_score: float

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 4) for key, value in asdict(self).items()}


def measure_quality(detection: Detection, chip: NDArray[np.uint8]) -> FaceQuality:
    points = detection.landmarks
    # dlib lists the eye on the image's right first; measure from the image's left eye.
    image_right_eye = points[0:2].mean(axis=0)
    image_left_eye = points[2:4].mean(axis=0)
    nose = points[4]
    dx, dy = (image_right_eye - image_left_eye).tolist()
    eye_distance = math.hypot(dx, dy)
    midpoint = (image_left_eye + image_right_eye) / 2
    # Project the nose onto the eye line: a frontal face has it near the midpoint.
    offset = float(np.dot(nose - midpoint, [dx, dy])) / max(eye_distance, 1e-6)
    return FaceQuality(
        eye_distance=eye_distance,
        blur=laplacian_variance(chip),
        roll=math.degrees(math.atan2(dy, dx)),
        yaw=offset / max(eye_distance, 1e-6),
        detector_score=detection.score,
    )


def laplacian_variance(chip: NDArray[np.uint8]) -> float:
    grey = chip.astype(np.float32).mean(axis=2)
    laplacian = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    )
    return float(laplacian.var())
