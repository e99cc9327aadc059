"""The walk's steps for people, accounts and galleries, and the operator's commands."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from tests.accounts.authenticator import Authenticator
from tests.audit.walk import API, Step, World
from tests.records import BENCH
from tests.web.conftest import PASSWORD, csrf_of, login_token, sign_in

from facedocket.audit.keys import private_key_text
from facedocket.policy.load import PACKS


def people_steps(w: World) -> list[Step]:
    """Agencies, users, accounts and galleries, by the API and by the pages."""
    ids = w.ids
    user = API + "/users/{user_id}"
    account = {
        "username": "new.one",
        "full_name": "New One",
        "agency_code": "bpd",
        "roles": ["requester"],
    }
    on_page = {
        "username": "page.one",
        "full_name": "Page One",
        "agency_code": "bpd",
        "roles": ["requester"],
        "password": PASSWORD,
    }
    changed = {
        "full_name": "Page One",
        "roles": ["requester"],
        "rank": "Detective",
        "active": "true",
    }

    def of(username: str) -> Any:
        return lambda: w.user_id(username)

    def start_totp(username: str, path: str) -> Step:
        def run() -> None:
            started = w.call(username, "POST", path)
            found = re.search(r"secret=([A-Z2-7]+)", started.text)
            secret = found[1] if found else started.json()["secret"]
            ids[f"totp {username}"] = pyotp.TOTP(secret)

        return Step(f"POST {path}", run)

    def code(username: str, later: int = 0) -> Any:
        # The wall clock: second factors follow it, not the workflow's clock.
        return lambda: {"code": str(ids[f"totp {username}"].at(time.time() + 30 * later))}

    def sign_in_and_out(method: str) -> None:
        if method == "in":
            w.call(
                "admin",
                "PUT",
                user + "/password",
                user_id=w.user_id("examiner2"),
                json={"password": PASSWORD},
            )
            # Not a user of later steps: a password an administrator set holds its user to
            # changing it, whatever else they would do.
            ids["browser"] = TestClient(w.web.app)
            assert sign_in(ids["browser"], "examiner2", PASSWORD).status_code == 303
            return
        token = csrf_of(ids["browser"].get("/account"))
        assert (
            ids["browser"]
            .post("/logout", data={"csrf_token": token}, follow_redirects=False)
            .is_redirect
        )

    def queue(template: str, gallery: str, folder: str, body: str) -> None:
        source = w.queued(folder)
        form = {"source": source, "gallery": gallery}
        sent = {"json": {"source": source}} if body == "json" else {"data": form}
        named = {"name": gallery} if "{name}" in template else {}  # the API names it in the path
        w.call("admin", "POST", template, **named, **sent)

    def enrol(template: str, gallery: str, folder: str, body: str) -> Step:
        def run() -> None:
            queue(template, gallery, folder, body)
            w.wait_for_enrolments()

        return Step(f"POST {template}", run)

    def cancel(template: str, queue_at: str, gallery: str, folder: str, body: str) -> Step:
        """Queue a job and cancel it before any worker takes it."""

        def run() -> None:
            queue(queue_at, gallery, folder, body)
            w.call("admin", "POST", template, job_id=w.newest_job(), what="cancel")

        return Step(f"POST {template}", run)

    def signed_in(username: str) -> Any:
        """A new browser session of ``username``'s, for an administrator to end."""

        def open_one() -> int:
            w.web.browser(username)
            return w.session_ids(username)[-1]

        return open_one

    key = Authenticator()

    def passkey_options(username: str, path: str) -> Step:
        def run() -> None:
            ids[f"passkey {username}"] = w.call(username, "POST", path).json()

        return Step(f"POST {path}", run)

    def new_passkey(username: str) -> Any:
        return lambda: {"name": "desk", "credential": key.register(ids[f"passkey {username}"])}

    def passkey_of(username: str) -> Any:
        return lambda: w.call(username, "GET", API + "/me/passkeys").json()[-1]["id"]

    def passkey_sign_in(stage: str) -> None:
        if stage == "options":
            client = TestClient(w.web.app)
            token = login_token(client)
            options = client.post("/login/passkey/options", data={"form_token": token})
            ids["passkey sign-in"] = (client, token, options.json())
            return
        client, token, options = ids["passkey sign-in"]
        answer = {"form_token": token, "credential": json.dumps(key.sign(options))}
        assert client.post("/login/passkey", data=answer, follow_redirects=False).is_redirect

    token = API + "/me/tokens/{token_id}"
    sessions = user + "/sessions"
    return [
        w.route("admin", "POST", API + "/agencies", json={"code": "cpd", "name": "Cambridge PD"}),
        w.route("admin", "POST", API + "/users", json=account),
        w.route("admin", "PATCH", user, user_id=of("new.one"), json={"rank": "Sergeant"}),
        w.route(
            "admin",
            "PUT",
            user + "/password",
            user_id=of("other.officer"),
            json={"password": PASSWORD},
        ),
        w.route(
            "other.officer",
            "PUT",
            API + "/me/password",
            json={"current_password": PASSWORD, "new_password": PASSWORD + " 2"},
        ),
        w.route(
            "admin",
            "DELETE",
            sessions + "/{session_id}",
            user_id=of("examiner"),
            session_id=signed_in("examiner"),
        ),
        w.route("admin", "DELETE", sessions, user_id=of("examiner")),
        w.route("officer", "POST", API + "/me/tokens", json={"name": "case system"}),
        w.route("officer", "DELETE", token, token_id=lambda: w.token_id("officer", "case system")),
        start_totp("officer", API + "/me/totp"),
        w.route("officer", "POST", API + "/me/totp/confirm", json=code("officer")),
        w.route("officer", "POST", API + "/me/totp/disable", json=code("officer", 1)),
        start_totp("officer", API + "/me/totp"),
        w.route("officer", "POST", API + "/me/totp/confirm", json=code("officer")),
        w.route("admin", "DELETE", user + "/totp", user_id=of("officer")),
        w.route("admin", "DELETE", user + "/lock", user_id=of("supervisor")),
        passkey_options("officer", API + "/me/passkeys/options"),
        w.route("officer", "POST", API + "/me/passkeys", json=new_passkey("officer")),
        Step("POST /login/passkey/options", lambda: passkey_sign_in("options")),
        Step("POST /login/passkey", lambda: passkey_sign_in("answer")),
        w.route("officer", "POST", API + "/me/recovery-codes"),
        w.route(
            "officer",
            "DELETE",
            API + "/me/passkeys/{passkey_id}",
            passkey_id=passkey_of("officer"),
        ),
        w.route(
            "admin",
            "POST",
            API + "/oidc/mappings",
            json={"provider": "entra", "value": "frt", "role": "examiner", "agency_code": "bpd"},
        ),
        w.route(
            "admin",
            "DELETE",
            API + "/oidc/mappings/{mapping_id}",
            mapping_id=lambda: w.call("admin", "GET", API + "/oidc/mappings").json()[-1]["id"],
        ),
        w.route("admin", "POST", API + "/galleries", json={"name": "county"}),
        enrol(API + "/galleries/{name}/enrolments", "county", "batch", "json"),
        cancel(
            API + "/enrolments/{job_id}/{what}",
            API + "/galleries/{name}/enrolments",
            "county",
            "cancelled",
            "json",
        ),
        w.route("auditor", "POST", API + "/record/checkpoints"),
        w.route(
            "auditor",
            "POST",
            API + "/reports/quarterly",
            json={"quarter": "2026Q4", "searching_body": "state-police"},
        ),
        w.route("supervisor", "POST", API + "/reports/annual", json={"year": 2026}),
        w.route("auditor", "POST", API + "/reports/compliance", json={}),
        under(w, LAW, w.route("supervisor", "POST", API + "/reports/law", json=LAW_REPORT)),
        w.route("auditor", "POST", API + "/reports/public-log", json=PUBLIC_LOG),
        # The pages
        Step("POST /login", lambda: sign_in_and_out("in")),
        Step("POST /logout", lambda: sign_in_and_out("out")),
        w.route("admin", "POST", "/admin/agencies", data={"code": "spd", "name": "Somerville PD"}),
        w.route("admin", "POST", "/admin/users", data=on_page),
        w.route("admin", "POST", "/admin/users/{user_id}", user_id=of("page.one"), data=changed),
        w.route(
            "admin",
            "POST",
            "/admin/users/{user_id}/password",
            user_id=of("page.one"),
            data={"password": PASSWORD},
        ),
        w.route(
            "page.one",
            "POST",
            "/account/password",
            data={"current": PASSWORD, "new": PASSWORD + " 3"},
        ),
        w.route("page.one", "POST", "/account/tokens", data={"name": "scripts"}),
        w.route(
            "page.one",
            "POST",
            "/account/tokens/{token_id}/revoke",
            token_id=lambda: w.token_id("page.one", "scripts"),
        ),
        start_totp("page.one", "/account/totp"),
        w.route("page.one", "POST", "/account/totp/confirm", data=code("page.one")),
        w.route("page.one", "POST", "/account/totp/disable", data=code("page.one", 1)),
        start_totp("page.one", "/account/totp"),
        w.route("page.one", "POST", "/account/totp/confirm", data=code("page.one")),
        w.route("admin", "POST", "/admin/users/{user_id}/totp", user_id=of("page.one")),
        w.route("page.one", "POST", "/account/recovery-codes"),
        w.route(
            "page.one",
            "POST",
            "/account/passkeys/{passkey_id}/remove",
            passkey_id=lambda: _page_passkey(w),
        ),
        w.route(
            "admin",
            "POST",
            "/admin/users/{user_id}/sessions/{session_id}/end",
            user_id=of("supervisor"),
            session_id=signed_in("supervisor"),
        ),
        w.route("admin", "POST", "/admin/users/{user_id}/sessions/end", user_id=of("supervisor")),
        w.route("admin", "POST", "/admin/users/{user_id}/unlock", user_id=of("supervisor")),
        w.route("page.one", "POST", "/session/keep"),
        w.route("admin", "POST", "/admin/galleries", data={"name": "pages"}),
        enrol("/admin/enrolments", "pages", "more", "form"),
        cancel(
            "/admin/enrolments/{job_id}/{what}",
            "/admin/enrolments",
            "pages",
            "withdrawn",
            "form",
        ),
        w.route("auditor", "POST", "/record/checkpoint"),
        w.route(
            "auditor",
            "POST",
            "/reports/quarterly",
            data={"quarter": "2026Q4", "body": "state-police", "output": "download"},
        ),
        w.route("auditor", "POST", "/reports/annual", data={"year": "2026", "output": "view"}),
        w.route("auditor", "POST", "/reports/compliance", data={"output": "view"}),
        under(w, LAW, w.route("auditor", "POST", "/reports/law", data=LAW_FORM)),
        w.route(
            "auditor",
            "POST",
            "/reports/public-log",
            data={"pack": "maine-2021", "from": "2026-01-01", "to": "2026-12-31", "output": "view"},
        ),
    ]


# The walk's law (Massachusetts) names no report of its own and makes no log public: the
# law's reports are walked under Montana's (its kinds need no case of that law to count
# none), the log under Maine's, which names the pack itself.
LAW = "montana-2023"
LAW_REPORT = {"kind": "montana-agency-annual", "year": 2026}
LAW_FORM = {"kind": "montana-agency-annual", "year": "2026", "output": "download"}
PUBLIC_LOG = {"pack": "maine-2021", "first": "2026-01-01", "last": "2026-12-31"}


def under(w: World, pack: str, step: Step) -> Step:
    """``step`` run with ``pack`` as the law in force (the service's and the program's
    settings), then back to the walk's."""

    def run() -> Any:
        services, world = w.web.app.state.services, w.web.world
        kept = world.settings
        services.settings = world.settings = kept.model_copy(update={"policy": pack})
        try:
            return step.run()
        finally:
            services.settings = world.settings = kept

    return Step(step.name, run)


def program_steps(w: World) -> list[Step]:
    """The operator's and the auditor's commands."""
    accuracy = w.file("accuracy.json", json.dumps(BENCH))
    photo, other = (w.faces / "lfw" / "Abdullah_Gul" / f"Abdullah_Gul_000{n}.jpg" for n in (1, 2))
    out = w.folder / "out"

    def public_key() -> str:
        return w.cli("audit", "public-key").split()[0]

    def work() -> None:
        w.cli("worker", "--once")
        assert w.job_state(w.newest_job()) == "finished"

    return [
        w.command("admin", "add-agency", "mbta", "MBTA Transit Police"),
        w.command(
            "admin",
            "add-user",
            "cli.one",
            "--name",
            "C. One",
            "--agency",
            "mbta",
            "--role",
            "requester",
        ),
        w.command("admin", "set-password", "cli.one", "--stdin", input=PASSWORD + "\n"),
        w.command("admin", "set-email", "cli.one", "cli.one@agency.example"),
        w.command("admin", "sessions", "examiner"),
        w.command("admin", "end-sessions", "examiner"),
        w.command(
            "gallery", "enrol", "cli", lambda: w.photos(w.folder / "photos"), "--workers", "1"
        ),
        w.command("gallery", "stats", "rmv"),
        w.command("jobs", "enrol", "cli", lambda: w.queued("queued")),
        w.command("jobs", "pause", w.newest_job),
        w.command("jobs", "resume", w.newest_job),
        w.command("jobs", "cancel", w.newest_job),
        w.command("jobs", "enrol", "cli", lambda: w.queued("again")),
        w.command("jobs", "list"),
        w.command("jobs", "show", w.newest_job),
        w.command("duties", "run"),
        w.command("duties", "list"),
        Step("cli worker", work),
        w.command("faces", "detect", photo),
        w.command("faces", "compare", photo, other),
        w.command("models", "register", "--as", "admin", "--accuracy", w.folder / "none.json"),
        w.command("models", "accuracy", "1", "--accuracy", accuracy, "--as", "admin"),
        w.command("models", "approve", "1", "--note", "Measured on LFW pairs.", "--as", "admin"),
        w.command("models", "list"),
        w.command(
            "models",
            "figure",
            "--as",
            "admin",
            "1",
            "--group",
            "female",
            "--value",
            "0.9844",
            "--reference",
            "NIST FRTE 1:1, 2026-10",
            "--measured-on",
            "2026-10-01",
        ),
        w.command("models", "figures", "1"),
        w.command("policy", "list"),
        w.command("policy", "show", "maryland-2024", "--at", "2025-01-01"),
        w.command("policy", "diff", "massachusetts", "maryland-2024"),
        w.command(
            "policy",
            "check",
            lambda: w.file("agency.yaml", (PACKS / "maryland-2024.yaml").read_text("utf-8")),
        ),
        w.command(
            "training",
            "record",
            "--as",
            "supervisor",
            "examiner",
            "--course",
            "FRT basics",
            "--completed-on",
            "2026-10-01",
        ),
        w.command("training", "list", "examiner"),
        w.command(
            "reports",
            "quarterly",
            "--as",
            "auditor",
            "--quarter",
            "2026Q4",
            "--body",
            "state-police",
            "--out",
            out / "q",
        ),
        w.command("reports", "annual", "--as", "auditor", "--year", "2026", "--out", out / "a"),
        w.command("reports", "compliance", "--as", "auditor", "--out", out / "c"),
        w.command("reports", "verify", out / "q"),
        w.command("reports", "kinds"),
        under(
            w,
            LAW,
            w.command(
                "reports",
                "law",
                "--as",
                "auditor",
                "--kind",
                "montana-state-annual",
                "--year",
                "2026",
                "--out",
                out / "law",
            ),
        ),
        w.command(
            "reports",
            "public-log",
            "--as",
            "auditor",
            "--pack",
            "maine-2021",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--out",
            out / "log",
        ),
        w.command(
            "disclosure",
            "export",
            "--as",
            "auditor",
            lambda: w.ids["cli"],
            "--out",
            out / "packet.zip",
            "--accuracy",
            accuracy,
        ),
        w.command("disclosure", "verify", out / "packet.zip", "--public-key", public_key),
        w.command("audit", "checkpoint"),
        w.command("audit", "checkpoint", "--if-due"),
        w.command("audit", "witness"),
        w.command("audit", "public-key"),
        w.command("audit", "show"),
        w.command("audit", "verify"),
        w.command("audit", "export", "--out", out / "record.jsonl"),
        w.command(
            "audit",
            "verify-export",
            out / "record.jsonl",
            "--checkpoints",
            out / "record.checkpoints.jsonl",
            "--public-key",
            public_key,
        ),
        w.command("audit", "prove", "1", "--out", out / "entry-1.json"),
        w.command("audit", "verify-proof", out / "entry-1.json", "--public-key", public_key),
        w.command(
            "audit", "consistency", "--from", lambda: _kept_note(out), "--out", out / "grew.json"
        ),
        *witness_steps(w, public_key),
        # Last: a deployment whose key is configured must be restarted with the new one.
        w.command("audit", "rotate-key", "--new-key-file", lambda: _new_key(out)),
    ]


def witness_steps(w: World, public_key: Callable[[], str]) -> list[Step]:
    """The oversight office's witness: its own folder and store, none of the agency's tables."""
    folder = ("--dir", w.folder / "witness")

    def oldest_key() -> str:
        listed = w.cli("witness", "status", *folder).split()
        return listed[0].split("+")[1]

    return [
        w.command("witness", "init", "--name", "eopss.example/witness", *folder),
        w.command(
            "witness", "trust", "facedocket.invalid/audit", "--public-key", public_key, *folder
        ),
        w.command("witness", "status", *folder),
        w.command("witness", "conflicts", *folder),
        w.command("witness", "rotate-key", *folder),
        w.command("witness", "retire-key", oldest_key, *folder),
    ]


def _new_key(out: Path) -> Path:
    """A new audit signing key in a file only its owner can read."""
    path = out / "new-audit.key"
    path.write_text(private_key_text(Ed25519PrivateKey.generate()) + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def _page_passkey(w: World) -> int:
    """A passkey of page.one's, added through the API, for the page to remove."""
    key = Authenticator()
    options = w.call("page.one", "POST", API + "/me/passkeys/options").json()
    body = {"name": "spare", "credential": key.register(options)}
    made = w.call("page.one", "POST", API + "/me/passkeys", json=body)
    return int(made.json()["id"])


def _kept_note(out: Path) -> Path:
    """The checkpoint note of the proof file written just before, kept as a witness would."""
    kept = out / "kept.checkpoint"
    kept.write_text(json.loads((out / "entry-1.json").read_text())["checkpoint"])
    return kept
