"""``facedocket admin``: agencies and users, for the operator who installs FaceDocket.

The record names the operating-system account that ran the command, since no FaceDocket
user exists before the first one is made.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from facedocket.accounts.standing import end_sessions, reset_password
from facedocket.accounts.web_sessions import open_web_sessions
from facedocket.cases.directory import add_agency, add_user, update_user
from facedocket.cli.context import console, fail, refusals, sessions, settings
from facedocket.kernel.refusals import NotFound, Refused
from facedocket.operator import operator
from facedocket.store.db import transaction
from facedocket.store.schema import User
from facedocket.store.schema.base import utcnow

app = typer.Typer(help="Agencies and users.", no_args_is_help=True)


@app.command("add-agency")
def agency(
    code: Annotated[str, typer.Argument(help="Short code, e.g. MSP.")],
    name: Annotated[str, typer.Argument(help="Full name.")],
) -> None:
    """Add an agency (requesting or searching: the policy says which may search)."""
    with refusals(Refused), transaction(sessions()) as session:
        add_agency(session, operator(), code, name)
    console.print(f"agency {code} added")


@app.command("add-user")
def user(
    username: Annotated[str, typer.Argument()],
    full_name: Annotated[str, typer.Option("--name", help="Full name.")],
    agency_code: Annotated[str, typer.Option("--agency", help="Agency code.")],
    role: Annotated[list[str], typer.Option(help="A role; repeat for several.")],
    rank: Annotated[str, typer.Option(help="Rank or title.")] = "",
) -> None:
    """Add a user with one or more roles."""
    with refusals(Refused), transaction(sessions()) as session:
        add_user(
            session,
            operator(),
            username=username,
            full_name=full_name,
            agency_code=agency_code,
            roles=role,
            rank=rank,
        )
    console.print(f"user {username} added")


@app.command("set-email")
def email(
    username: Annotated[str, typer.Argument()],
    address: Annotated[str, typer.Argument(help="Where notices are mailed; '' removes it.")],
) -> None:
    """Set where a user's notices are mailed (they are on the home page either way)."""
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        found = session.scalar(select(User).where(User.username == username))
        if found is None:
            fail(f"no user called {username!r}")
        update_user(session, operator(), found.id, email=address)
    console.print(f"notices of {username} go to {address}" if address else "address removed")


@app.command("set-password")
def password(
    username: Annotated[str, typer.Argument()],
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a user's password for the web pages (the first administrator's, say)."""
    secret = (
        sys.stdin.readline().rstrip("\n")
        if from_stdin
        else typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    )
    with refusals(Refused), transaction(sessions()) as session:
        reset_password(session, _named(session, username), secret, by=operator(), at=utcnow())
    console.print(f"password of {username} set")


@app.command("sessions")
def list_sessions(username: Annotated[str, typer.Argument()]) -> None:
    """The user's open browser sessions: id, address, signed in, last used."""
    with sessions()() as session:
        user = _named(session, username)
        rows = open_web_sessions(session, settings(), user.id, utcnow())
    for row in rows:
        console.print(
            f"{row.id}\t{row.remote}\tsigned in {row.created_at:%Y-%m-%d %H:%M}"
            f"\tlast used {row.last_seen_at:%Y-%m-%d %H:%M}"
        )
    if not rows:
        console.print(f"{username} has no open session")


@app.command("end-sessions")
def end(
    username: Annotated[str, typer.Argument()],
    only: Annotated[int | None, typer.Option("--session", help="Only this session.")] = None,
) -> None:
    """Sign a user out of every browser (or of one session); their API tokens stay."""
    with refusals(Refused, NotFound), transaction(sessions()) as session:
        ended = end_sessions(session, _named(session, username), utcnow(), by=operator(), only=only)
    console.print(f"{ended} session(s) of {username} ended")


def _named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        fail(f"no user called {username!r}")
    return user
