"""Unexpected failures: logged once, without personal data, under a correlation id.

An exception's message can quote what a user sent (a database driver's "Key (case_number)=
(...) already exists", a value that failed to parse), and the log is read by operators who
may not see case data. So the log holds the exception's type, the frames it passed through
and, for a database error, the statement without its parameters; never the message. The
person who met the failure sees the same correlation id on the error page or in the JSON,
so a report of theirs can be matched to its log line. Handling it here, inside the app,
also keeps Starlette from handing the exception on to the server, which logged it again.
"""

from __future__ import annotations

import logging
import secrets
import traceback

from sqlalchemy.exc import StatementError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facedocket.kernel.refusals import RefusalCode
from facedocket.web.errors import answer

log = logging.getLogger("facedocket.web")


def correlation_id(request: Request) -> str | None:
    return getattr(request.state, "correlation_id", None)


def failure_report(error: BaseException) -> str:
    """The exception's kind and path through the code, its chain too, without any message."""
    parts = []
    current: BaseException | None = error
    while current is not None:
        kind = f"{type(current).__module__}.{type(current).__qualname__}"
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        statement = current.statement if isinstance(current, StatementError) else None
        parts.append(kind + (f"\nstatement: {statement}" if statement else "") + "\n" + frames)
        current = current.__cause__ or current.__context__
    return "caused by: ".join(parts)


class ServerErrors:
    """Pure ASGI middleware: a correlation id for each request, and the answer to a crash."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = secrets.token_hex(8)
        scope.setdefault("state", {})["correlation_id"] = correlation
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # every failure is answered, none escapes
            log.error(
                "unexpected error %s on %s %s: %s",
                correlation,
                scope["method"],
                scope["path"],
                failure_report(error),
            )
            if started:  # the answer is under way; the client sees it cut short
                return
            request = Request(scope, receive)
            reasons = [
                "Something went wrong on our side; it was logged.",
                f"Quote the reference {correlation} if you report it.",
            ]
            response = answer(request, RefusalCode.SERVER_ERROR, reasons, correlation)
            await response(scope, receive, send)
