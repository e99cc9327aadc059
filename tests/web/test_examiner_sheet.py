"""The examiner's sheet as a browser gets it: the searched face boxed, no candidate's name
before the examiner's own conclusion on them, conclusions signed and timed, the two reviews
compared once both are final, and the page kept at the candidate after each conclusion."""

from __future__ import annotations

import re

from sqlalchemy import select
from tests.web.conftest import Web, csrf_of
from tests.web.test_api_cases import approved

from facedocket.store.schema import Search

REASONS = "Compared the eyes, nose, mouth and ears."


def searched(web: Web) -> tuple[int, list[dict[str, object]]]:
    number = approved(web)
    made = web.call("examiner", "POST", f"/api/v1/requests/{number}/searches", json={})
    assert made.status_code == 201, made.text
    rows = web.call("supervisor", "GET", f"/api/v1/requests/{number}/candidates").json()
    assert rows[0]["record_id"] == "Abdullah_Gul", "the probe's person ranks first"
    return number, rows


def section(page: str, candidate: object) -> str:
    return page.split(f'id="candidate-{candidate}"')[1].split("</section>", maxsplit=1)[0]


def test_no_name_reaches_the_examiner_before_their_conclusion(web: Web) -> None:
    number, rows = searched(web)
    names = {str(row["person_name"]) for row in rows}
    examiner = web.browser("examiner")
    sheet = examiner.get(f"/requests/{number}/review")
    assert sheet.status_code == 200
    for name in names:
        assert name not in sheet.text and name.replace(" ", "_") not in sheet.text
    assert sheet.text.count("name shown after your conclusion") == len(rows)
    blind = web.call("examiner", "GET", f"/api/v1/requests/{number}/candidates").json()
    assert all(r["person_name"] is None and r["record_id"] is None for r in blind)

    first = rows[0]
    sent = examiner.post(
        f"/requests/{number}/review",
        data={
            "csrf_token": csrf_of(sheet),
            "candidate_id": str(first["candidate_id"]),
            "round": "1",
            "conclusion": "possible_lead",
            "reasons": REASONS,
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"].endswith(f"#candidate-{first['candidate_id']}")
    after = examiner.get(sent.headers["location"])
    assert "Abdullah Gul" in section(after.text, first["candidate_id"])
    assert "licence record Abdullah_Gul" in after.text
    for row in rows[1:]:
        assert str(row["person_name"]) not in after.text, "only the concluded one is named"
    signed = section(after.text, first["candidate_id"])
    assert "by Examiner, " in signed and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", signed)
    # Another examiner has concluded nothing: the first's conclusion names no one to them.
    other = web.browser("examiner2").get(f"/requests/{number}/review?round=2")
    assert "Abdullah Gul" not in other.text


def test_the_searched_face_is_boxed_where_the_search_recorded_it(web: Web) -> None:
    number, rows = searched(web)
    with web.world.sessions() as session:
        search = session.scalars(select(Search).where(Search.request_id == number)).one()
        box, width, height = search.probe_box, search.probe_width, search.probe_height
    assert width and height, "the search records the size its box is measured in"
    sheet = web.browser("supervisor").get(f"/requests/{number}/review").text
    probe = section(sheet, rows[0]["candidate_id"])
    assert f'viewBox="0 0 {width} {height}"' in probe
    rect = re.search(
        r'<rect class="face-box" x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', probe
    )
    assert rect is not None
    assert [int(v) for v in rect.groups()] == [
        box["left"],
        box["top"],
        box["right"] - box["left"],
        box["bottom"] - box["top"],
    ]
    assert f'href="/api/v1/requests/{number}/documents/{search.probe_document_id}"' in probe
    assert "The faces close up" in probe and "pixels between the eyes" in probe
    assert "Search " in sheet and "2026-11-02 04:00 EST" in sheet, "times in the policy's zone"


def test_the_two_reviews_are_compared_once_both_are_final(web: Web) -> None:
    number, rows = searched(web)
    for username, round_ in (("examiner", 1), ("examiner2", 2)):
        for row in rows:
            body = {
                "candidate_id": row["candidate_id"],
                "round": round_,
                "reasons": REASONS,
                "conclusion": "possible_lead" if round_ == 1 or row["rank"] != 1 else "excluded",
            }
            if round_ == 2 and row is rows[-1]:
                partial = web.browser("supervisor").get(f"/requests/{number}/review").text
                assert "The reviews agree" not in partial and "disagree" not in partial
            made = web.call(username, "POST", f"/api/v1/requests/{number}/reviews", json=body)
            assert made.status_code == 201, made.text
    sheet = web.browser("examiner").get(f"/requests/{number}/review").text
    first = section(sheet, rows[0]["candidate_id"])
    assert "The reviews disagree" in first
    assert "first <strong>possible lead</strong>, second <strong>excluded</strong>" in first
    assert "by Examiner2, " in first and "by Examiner, " in first
    for row in rows[1:]:
        assert "The reviews agree" in section(sheet, row["candidate_id"])


def test_an_image_on_the_sheet_is_refused_to_whom_the_case_does_not_show_it(web: Web) -> None:
    number, rows = searched(web)
    photo = f"/api/v1/requests/{number}/candidates/{rows[0]['candidate_id']}/photo"
    assert web.browser("examiner").get(photo).status_code == 200
    assert web.browser("officer").get(photo).status_code == 404, "not released"
    assert web.browser("other.officer").get(f"/requests/{number}/review").status_code == 403
