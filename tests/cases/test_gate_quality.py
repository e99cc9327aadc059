"""The gate's probe-quality floor (requirement 9): a probe face smaller than the policy's
``probe_min_eye_distance`` is refused, and searched only with a recorded override reason."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from tests.cases.conftest import World, order_pdf

from facedocket.audit import EntryFilter, find_entries
from facedocket.cases import gate, requests, visibility
from facedocket.cases.schemas import FileUpload
from facedocket.kernel.actors import load_actor
from facedocket.kernel.refusals import Refused
from facedocket.store.db import transaction
from facedocket.store.schema import Search


def small_probe(world: World) -> bytes:
    """A real face shrunk to a third: its eyes end up well under 40 pixels apart."""
    photo = Image.open(world.photo("Abdullah_Gul", 2))
    buffer = io.BytesIO()
    photo.resize((photo.width // 3, photo.height // 3)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def approved_small(world: World) -> int:
    probe = FileUpload(filename="small.jpg", content=small_probe(world), source="Store camera")
    with transaction(world.sessions) as session:
        officer = load_actor(session, "officer")
        made = requests.create_request(
            session,
            world.settings,
            officer,
            world.form(),
            [probe],
            order_pdf(),
            pipeline=world.pipeline,
        )
        requests.submit(session, world.settings, officer, made.id)
        number = made.id
    with transaction(world.sessions) as session:
        intake = load_actor(session, "intake")
        requests.approve(session, world.settings, intake, number, "The order covers this image.")
    return number


def search(world: World, number: int, override: str | None) -> Search:
    with transaction(world.sessions) as session:
        examiner = load_actor(session, "examiner")
        return gate.run_search(
            session, world.settings, examiner, number, world.pipeline, quality_override=override
        )


def stored(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(Search)) or 0


@pytest.mark.parametrize("override", [None, "", "   \t\n"])
def test_a_poor_probe_is_refused_without_a_reason(world: World, override: str | None) -> None:
    number = approved_small(world)
    with pytest.raises(Refused, match=r"pixels between the eyes, under the policy's 40") as error:
        search(world, number, override)
    assert error.value.code == "poor_probe"
    assert stored(world) == 0
    with world.sessions() as session:
        assert find_entries(session, EntryFilter(action="search.run")) == []
        assert visibility.get_request(session, world.actor("intake"), number).state == "approved"


def test_a_quality_override_is_searched_and_recorded(world: World) -> None:
    number = approved_small(world)
    reason = "  Only image of the suspect; the examiner will weigh its size.  "
    made = search(world, number, reason)
    assert made.quality_override == reason.strip()
    assert made.probe_quality["eye_distance"] < 40
    with world.sessions() as session:
        entries = find_entries(session, EntryFilter(action="search.run"))
    assert [e.details["quality_override"] for e in entries] == [reason.strip()]


def test_a_good_probe_needs_no_override_and_records_none(world: World) -> None:
    number = world.draft()
    with transaction(world.sessions) as session:
        requests.submit(session, world.settings, world.actor("officer"), number)
    with transaction(world.sessions) as session:
        requests.approve(
            session, world.settings, world.actor("intake"), number, "The order covers this image."
        )
    made = search(world, number, None)
    assert made.probe_quality["eye_distance"] >= 40
    assert made.quality_override is None
