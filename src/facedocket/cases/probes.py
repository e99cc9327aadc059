"""A probe checked when it is attached: a face found, how many, and each one's quality
against the policy, so the requester learns at once what the examiner would learn only
after approval (a photo without a face, one whose face is too small to search without a
reason).

A photo in which no face is found is refused: no search could use it. Several faces, or
a face under the policy's floor, are accepted and said: the examiner chooses the face,
and gives a reason to search a poor one (``cases.gate``), as before.
"""

from __future__ import annotations

from typing import Any

from facedocket.cases.schemas import FileUpload
from facedocket.faces.errors import FaceError
from facedocket.faces.pipeline import FacePipeline
from facedocket.kernel.refusals import RefusalCode, Refused
from facedocket.policy import Policy


def check_probe(pipeline: FacePipeline, policy: Policy, upload: FileUpload) -> dict[str, Any]:
    """What the probe's document keeps of its check; Refused where no face is found."""
    try:
        photo = pipeline.find_faces(upload.content, thorough=True)
    except FaceError as error:
        raise Refused(
            f"probe {upload.filename}: {error.message}", code=RefusalCode[error.code.name]
        ) from None
    if not photo.faces:
        raise Refused(
            f"probe {upload.filename}: no face was found in the photo; send a photo in which "
            "the face of the person sought can be seen",
            code=RefusalCode.NO_FACE,
        )
    return {
        "faces": [
            {
                "eye_distance": round(face.quality.eye_distance, 1),
                "detector_score": round(face.quality.detector_score, 3),
            }
            for face in photo.faces
        ],
        "min_eye_distance": policy.probe_min_eye_distance,
    }


def check_words(check: dict[str, Any] | None) -> list[str]:
    """The check as the request page says it."""
    if not check:
        return []
    faces, floor = check["faces"], check["min_eye_distance"]
    said = [
        "1 face found."
        if len(faces) == 1
        else f"{len(faces)} faces found: the examiner will choose which one to search."
    ]
    for number, face in enumerate(faces, 1):
        which = "The face" if len(faces) == 1 else f"Face {number}"
        distance = face["eye_distance"]
        if distance >= floor:
            said.append(
                f"{which}: {distance:.0f} pixels between the eyes, enough for the policy "
                f"({floor} or more)."
            )
        else:
            said.append(
                f"{which}: {distance:.0f} pixels between the eyes, under the {floor} the "
                "policy asks: an examiner must give a reason to search it; a sharper or "
                "closer photo is better."
            )
    return said
