"""A bad policy file is a precise error naming the file and the field, never a default."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from facedocket.policy import PolicyError, load_policy_file
from facedocket.policy.pack import HEADER, VERSION

Edit = Callable[[dict[str, Any]], None]
KIND = {
    "id": "a",
    "name": "A",
    "content": "use-and-compliance",
    "to": "T",
    "due": {"month": 6, "day": 30},
}


def _pack(policy_id: str) -> dict[str, Any]:
    text = (files("facedocket.policy") / "packs" / f"{policy_id}.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "agency.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(PolicyError) as raised:
        load_policy_file(path)
    assert str(raised.value).startswith(str(path))
    return raised.value.problems


def test_a_pack_copied_unchanged_loads(tmp_path: Path) -> None:
    assert load_policy_file(_write(tmp_path, _pack("maryland-2024"))).id == "maryland-2024"


def _home(data: dict[str, Any], key: str) -> dict[str, Any]:
    """Where a field is written: the pack's header, its first version, or its rules."""
    if key in HEADER:
        return data
    first: dict[str, Any] = data["versions"][0]
    return first if key in VERSION else first["rules"]


def where(field: str) -> str:
    """The field as a problem names it: by its place in the file."""
    key = field.split(".", maxsplit=1)[0]
    if key in HEADER:
        return field
    return f"versions[0].{field}" if key in VERSION else f"versions[0].rules.{field}"


def _delete(*path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data = _home(data, path[0])
        for key in path[:-1]:
            data = data[key]
        del data[path[-1]]

    return edit


def _set(value: Any, *path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data = _home(data, path[0])
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("pack", "edit", "field", "message"),
    [
        ("massachusetts", _delete("timezone"), "timezone", "missing"),
        (
            "massachusetts",
            _delete("bases", "emergency", "follow_up"),
            "bases.emergency.follow_up",
            "missing",
        ),
        ("massachusetts", _set(True, "warrant_only"), "warrant_only", "unknown field"),
        (
            "massachusetts",
            _set("x", "review", "third_examiner"),
            "review.third_examiner",
            "unknown field",
        ),
        ("massachusetts", _set(1.0, "version"), "version", "valid string"),
        ("massachusetts", _set("1", "candidates", "max"), "candidates.max", "valid integer"),
        ("massachusetts", _set(False, "jurisdiction"), "jurisdiction", "valid string"),
        ("massachusetts", _set("yes", "still_images_only"), "still_images_only", "valid boolean"),
        ("massachusetts", _set("2021-07-01", "effective_from"), "effective_from", "valid date"),
        # No basis is a ban: valid, once its citation replaces the bases' own.
        ("massachusetts", _set({}, "bases"), "sources", "no source for bases"),
        (
            "massachusetts",
            _set({"required_fields": []}, "bases", "warrnt"),
            "bases.warrnt",
            "'court_order', 'warrant', 'emergency'",
        ),
        (
            "massachusetts",
            _set(["offence", "dockt_number"], "bases", "court_order", "required_fields"),
            "bases.court_order.required_fields[1]",
            "Input should be",
        ),
        (
            "massachusetts",
            _set(["judge", "judge"], "bases", "court_order", "required_fields"),
            "bases.court_order.required_fields",
            "field listed twice: judge",
        ),
        (
            "ma-commission-2022",
            _set(-48, "bases", "emergency", "follow_up", "deadline_hours"),
            "bases.emergency.follow_up.deadline_hours",
            "greater than or equal to 1",
        ),
        (
            "massachusetts",
            _set(-1, "retention_days", "probe_images"),
            "retention_days.probe_images",
            "greater than or equal to 1",
        ),
        (
            "massachusetts",
            _set({"default": 5, "max": 2}, "bases", "deceased", "searches"),
            "bases.deceased.searches",
            "default 5 is above max 2",
        ),
        (
            "massachusetts",
            _set(1.5, "candidates", "similarity_threshold"),
            "candidates.similarity_threshold",
            "less than or equal to 1",
        ),
        (
            "massachusetts",
            _set({"rule": "listed", "classes": [], "listed": []}, "offences"),
            "offences",
            "needs at least one entry in 'listed'",
        ),
        (
            "massachusetts",
            _set({"rule": "classes", "classes": [], "listed": []}, "offences"),
            "offences",
            "needs at least one entry in 'classes'",
        ),
        (
            "massachusetts",
            _set(
                [
                    {
                        "id": "x",
                        "label": "X",
                        "standard": "s",
                        "bases": ["warrant"],
                        "min_length": 20,
                    }
                ],
                "narratives",
            ),
            "narratives[0].bases",
            "warrant is not a basis of this policy",
        ),
        (
            "massachusetts",
            _set({"screening": {"id": "rmv", "name": "Registry"}}, "intake"),
            "intake.screening",
            "the screening body and the searching bodies must be different bodies",
        ),
        (
            "massachusetts",
            _set([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}], "purposes"),
            "purposes",
            "purpose listed twice: a",
        ),
        ("maryland-2024", _set("any", "offences", "rule"), "offences", "ignores 'listed'"),
        (
            "massachusetts",
            _set({"month": 2, "day": 29}, "reporting", "period_start"),
            "reporting.period_start",
            "not a day of every year",
        ),
        ("massachusetts", _set("Mars/Olympus_Mons", "timezone"), "timezone", "unknown time zone"),
        (
            "massachusetts",
            _set(-40, "probe_min_eye_distance"),
            "probe_min_eye_distance",
            "greater than or equal to 0",
        ),
        ("massachusetts", _set("Massachusetts State", "id"), "id", "should match pattern"),
        ("massachusetts", _set([], "searchers", "bodies"), "searchers.bodies", "at least 1 item"),
        (
            "massachusetts",
            _set(True, "training", "required"),
            "training",
            None,
        ),  # required training with no renewal is valid: a control case
        (
            "massachusetts",
            _set(30, "training", "valid_days"),
            "training",
            "valid_days is set but training is not required",
        ),
        (
            "ma-commission-2022",
            _set([], "request_fields"),
            "bases.warrant",
            None,
        ),  # 'offence' is still required by the warrant itself: valid
        (
            "ma-commission-2022",
            _set(["judge"], "bases", "warrant", "required_fields"),
            "bases.warrant",
            "no request field 'offence' is required",
        ),
        (
            "massachusetts",
            _set({"counted": ["arrest"], "due_days": 90}, "outcomes"),
            "sources",
            "no source for outcomes",
        ),
        (
            "montana-2023",
            _set(["arrest", "arrest"], "outcomes", "counted"),
            "outcomes.counted",
            "an outcome is listed twice",
        ),
        (
            "montana-2023",
            _set(["acquittal"], "outcomes", "counted"),
            "outcomes.counted[0]",
            "'arrest'",
        ),
        ("montana-2023", _set(0, "outcomes", "due_days"), "outcomes.due_days", "greater than"),
        (
            "massachusetts",
            _set({"results": "deleted"}, "unlawful_searches"),
            "sources",
            "no source for unlawful_searches",
        ),
        (
            "montana-2023",
            _set(
                [{**KIND, "due": {"month": 6, "day": 30}} for _ in range(2)],
                "report_kinds",
            ),
            "report_kinds",
            "report kind listed twice: a",
        ),
        (
            "montana-2023",
            _set("everything", "report_kinds", 0, "content"),
            "report_kinds[0].content",
            "'requests-by-crime-type'",
        ),
        (
            "maine-2021",
            _set(["date", "officer_name"], "public_log", "fields"),
            "public_log.fields[1]",
            "'date'",
        ),
        (
            "maine-2021",
            _set(["maine-state-police"], "public_log", "searching_bodies"),
            "public_log.searching_bodies",
            "maine-state-police is not a searching body of this policy",
        ),
        (
            "maine-2021",
            _set(["csv", "csv"], "public_log", "formats"),
            "public_log.formats",
            "an entry is listed twice",
        ),
        (
            "maine-2021",
            _set("kept", "unlawful_searches", "results"),
            "unlawful_searches.results",
            "'deleted'",
        ),
    ],
)
def test_a_bad_field_is_named(
    tmp_path: Path, pack: str, edit: Edit, field: str, message: str | None
) -> None:
    data = _pack(pack)
    edit(data)
    path = _write(tmp_path, data)
    if message is None:
        load_policy_file(path)
        return
    problems = _problems(path)
    assert any(got == where(field) and message in text for got, text in problems), problems


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("id: x\n  bad: indentation\n", "line 2, column 6", "invalid YAML"),
        ("id: [unclosed\n", "line 2, column 1", "invalid YAML"),
        ("id: a\nid: b\n", "line 2, column 1", "key 'id' written twice"),
        ("x: &a [1]\ny: *a\n", "line 2, column 4", "aliases are not allowed"),
        ("? [a, b]\n: 1\n", "", "unhashable"),
        ("- a list\n", "", "a YAML mapping of fields"),
        ("", "", "a YAML mapping of fields"),
        ("!!python/object:os.system {}\n", "", "could not determine a constructor"),
    ],
)
def test_a_file_that_is_not_a_policy_is_named(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    path = tmp_path / "agency.yaml"
    path.write_text(text, encoding="utf-8")
    problems = _problems(path)
    assert len(problems) == 1
    got_field, got_message = problems[0]
    assert message in got_message
    if field:
        assert got_field == field


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = _pack("massachusetts")
    del data["versions"][0]["rules"]["galleries"]
    data["versions"][0]["rules"]["candidates"]["max"] = "many"
    data["versions"][0]["rules"]["extra"] = 1
    fields = {field for field, _ in _problems(_write(tmp_path, data))}
    assert {where("galleries"), where("candidates.max"), where("extra")} <= fields


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    assert "cannot be read" in _problems(missing)[0][1]
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "cannot be read" in _problems(binary)[0][1]


def test_a_pack_is_parsed_once_and_a_changed_file_again(tmp_path: Path) -> None:
    from facedocket.policy import load

    data = _pack("massachusetts")
    path = _write(tmp_path, data)
    load._parsed.cache_clear()
    first = load_policy_file(path)
    second = load_policy_file(path)
    assert first == second and load._parsed.cache_info().misses == 1
    # Each caller has its own copy: changing one's list changes no other caller's policy.
    first.galleries.append("not-a-gallery")
    assert "not-a-gallery" not in load_policy_file(path).galleries
    data["versions"][0]["version"] = "9.9.9"
    _write(tmp_path, data)
    assert load_policy_file(path).version == "9.9.9"
    assert load._parsed.cache_info().misses == 2
    # A file turned bad is refused, not served from the cache.
    path.write_text("id: [", encoding="utf-8")
    with pytest.raises(PolicyError, match="invalid YAML"):
        load_policy_file(path)
