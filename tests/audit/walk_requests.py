"""The walk's steps for requests: a request's whole path by the API, the pages, the program."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.audit.walk import API, Step, World
from tests.cases.leads import massachusetts_lead
from tests.web.conftest import order_pdf

NOTE = {"note": "The order names this image and this gallery."}
EXCLUDED = {"conclusion": "excluded", "reasons": "The ears and the brow line differ."}
STATEMENT = {"file": ("statement.pdf", order_pdf().content, "application/pdf")}
CORRECT = {"reason": "The scope names the wrong gallery; say which one the order covers."}
WITHDRAW = {"reason": "A witness named the suspect; no search is needed."}
CHANGED = {"offence": "Armed robbery of a pharmacy"}


def request_steps(w: World) -> list[Step]:
    """A request's whole path three times over: by the API, by the pages, by the program."""
    ids = w.ids
    case = API + "/requests/{request_id}"
    page = "/requests/{request_id}"

    def review_all(request_id: int, template: str, as_form: bool) -> None:
        for candidate in w.candidates(request_id):
            body = {"candidate_id": candidate, **EXCLUDED}
            sent = {"data": body} if as_form else {"json": body}
            w.call("examiner", "POST", template, request_id=request_id, **sent)

    def page_form() -> dict[str, Any]:
        form = w.web.request_form()
        basis = form.pop("basis")
        basis["expires_at"] = basis["expires_at"][:16]
        return {**form, **basis, "basis": basis.pop("kind"), "action": "save"}

    def create_on_the_page() -> None:
        data = page_form()
        probe = w.web.world.photo("Abdullah_Gul", 2).read_bytes()
        files = {
            "probe": ("probe.jpg", probe, "image/jpeg"),
            "order": ("order.pdf", order_pdf().content, "application/pdf"),
        }
        made = w.call(
            "officer", "POST", "/requests/new", data=data | {"probe_source": "camera"}, files=files
        )
        ids["page"] = int(re.findall(r"/requests/(\d+)", made.headers["location"])[0])

    def edit_on_the_page() -> None:
        data = page_form() | CHANGED
        w.call("officer", "POST", page + "/edit", request_id=ids["page_returned"], data=data)

    def today() -> str:
        return w.web.world.clock.at.date().isoformat()

    def lead_and_its_arrest() -> None:
        ids["lead"] = massachusetts_lead(w.web.world)
        arrest = {"kind": "arrest", "occurred_on": today()}
        w.call("officer", "POST", case + "/outcomes", request_id=ids["lead"], json=arrest)

    def create_by_the_program() -> None:
        form = w.file("form.yaml", w.web.world.form().model_dump_json())
        probe = w.web.world.photo("Abdullah_Gul", 2)
        order = w.file("order.pdf", order_pdf().content)
        written = w.cli(
            "requests",
            "create",
            "--as",
            "officer",
            form,
            "--probe",
            probe,
            "--probe-source",
            "camera",
            "--order",
            order,
        )
        ids["cli"] = re.findall(r"request (\d+) written", written)[0]

    def review_by_the_program() -> None:
        for candidate in w.candidates(int(ids["cli"])):
            w.cli(
                "requests",
                "review",
                "--as",
                "examiner",
                ids["cli"],
                candidate,
                "--conclusion",
                EXCLUDED["conclusion"],
                "--reasons",
                EXCLUDED["reasons"],
            )

    def approved_emergency() -> None:
        ids["emergency"] = w.request(kind="emergency")
        w.call("supervisor", "POST", case + "/approve", request_id=ids["emergency"], json=NOTE)

    def made(key: str, **options: Any) -> Step:
        return Step(f"POST {API}/requests", lambda: ids.update({key: w.request(**options)}))

    def the(key: str) -> Any:
        return lambda: ids[key]

    reason = "The order names another image."
    return [
        # By the API
        made("api"),
        w.route("intake", "POST", case + "/approve", request_id=the("api"), json=NOTE),
        w.route("examiner", "POST", case + "/searches", request_id=the("api"), json={}),
        Step(f"POST {case}/reviews", lambda: review_all(ids["api"], case + "/reviews", False)),
        w.route(
            "examiner",
            "POST",
            case + "/conclusion",
            request_id=the("api"),
            json={"outcome": "no_lead"},
        ),
        w.route("supervisor", "POST", case + "/close", request_id=the("api")),
        made("draft", submit=False),
        w.route("officer", "POST", case + "/submit", request_id=the("draft")),
        w.route(
            "intake", "POST", case + "/reject", request_id=the("draft"), json={"reason": reason}
        ),
        Step(f"POST {case}/approve", approved_emergency),
        w.route(
            "officer", "POST", case + "/statement", request_id=the("emergency"), files=STATEMENT
        ),
        made("returned"),
        w.route("intake", "POST", case + "/return", request_id=the("returned"), json=CORRECT),
        w.route(
            "officer",
            "PUT",
            case,
            request_id=the("returned"),
            data=lambda: {"form": json.dumps(w.web.request_form() | CHANGED)},
        ),
        w.route("officer", "POST", case + "/withdraw", request_id=the("returned"), json=WITHDRAW),
        Step(f"POST {case}/outcomes", lead_and_its_arrest),
        # By the pages
        Step("POST /requests/new", create_on_the_page),
        w.route("officer", "POST", page + "/submit", request_id=the("page")),
        w.route("intake", "POST", page + "/approve", request_id=the("page"), data=NOTE),
        w.route("examiner", "POST", page + "/search", request_id=the("page")),
        Step(f"POST {page}/review", lambda: review_all(ids["page"], page + "/review", True)),
        w.route(
            "examiner",
            "POST",
            page + "/conclude",
            request_id=the("page"),
            data={"outcome": "no_lead"},
        ),
        w.route("supervisor", "POST", page + "/close", request_id=the("page")),
        made("rejected"),
        w.route(
            "intake", "POST", page + "/reject", request_id=the("rejected"), data={"reason": reason}
        ),
        Step(f"POST {case}/approve", approved_emergency),
        w.route(
            "supervisor", "POST", page + "/statement", request_id=the("emergency"), files=STATEMENT
        ),
        made("page_returned"),
        w.route("intake", "POST", page + "/return", request_id=the("page_returned"), data=CORRECT),
        Step(f"POST {page}/edit", edit_on_the_page),
        w.route(
            "officer", "POST", page + "/withdraw", request_id=the("page_returned"), data=WITHDRAW
        ),
        w.route(
            "officer",
            "POST",
            page + "/outcomes",
            request_id=the("lead"),
            data=lambda: {"kind": "charge", "occurred_on": today()},
        ),
        # By the program
        Step("cli requests create", create_by_the_program),
        w.command("requests", "submit", "--as", "officer", the("cli")),
        w.command("requests", "approve", "--as", "intake", the("cli"), "--note", NOTE["note"]),
        w.command("requests", "search", "--as", "examiner", the("cli")),
        w.command("requests", "sheet", "--as", "examiner", the("cli")),
        Step("cli requests review", review_by_the_program),
        w.command("requests", "conclude", "--as", "examiner", the("cli"), "--outcome", "no_lead"),
        w.command("requests", "results", "--as", "officer", the("cli")),
        w.command("requests", "show", "--as", "officer", the("cli")),
        w.command("requests", "list", "--as", "officer"),
        w.command(
            "requests",
            "outcome",
            "--as",
            "officer",
            the("lead"),
            "--kind",
            "conviction",
            "--on",
            today,
        ),
        w.command("requests", "overdue-outcomes", "--as", "supervisor"),
        w.command(
            "retention",
            "hold",
            "--as",
            "supervisor",
            the("cli"),
            "--reason",
            "An appeal is pending.",
        ),
        w.command(
            "retention",
            "release",
            "--as",
            "supervisor",
            the("cli"),
            "--reason",
            "The appeal ended.",
        ),
        w.command("requests", "close", "--as", "supervisor", the("cli")),
        w.command("retention", "purge", "--as", "admin"),
        made("cli_reject"),
        w.command("requests", "reject", "--as", "intake", the("cli_reject"), "--reason", reason),
        Step(f"POST {case}/approve", approved_emergency),
        w.command(
            "requests",
            "statement",
            "--as",
            "officer",
            the("emergency"),
            "--document",
            lambda: w.file("statement.pdf", order_pdf().content),
        ),
    ]
