"""The witness's HTTP face: ``POST /add-checkpoint`` and nothing else.

C2SP tlog-witness asks for no authentication beyond the log's signature on the
checkpoint, so there is no sign-in: anyone may submit, and only a checkpoint signed by a
trusted log key changes anything. What the witness keeps as evidence is read by its
operator with ``facedocket witness conflicts``, not over the network. A plain Starlette
application: the witness needs one route, not the agency's web stack.
"""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from facedocket.witness.protocol import MAX_BODY, add_checkpoint
from facedocket.witness.store import WitnessStore


def create_app(store: WitnessStore) -> Starlette:
    async def add(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse(f"the request is over {MAX_BODY} bytes\n", 413)
        # SQLite and Ed25519 work off the event loop, so a slow disk holds no other client.
        answer = await run_in_threadpool(add_checkpoint, store, bytes(body), int(time.time()))
        # Set as is: Starlette would add a charset to text/x.tlog.size, which the spec names bare.
        return Response(answer.body, answer.status, headers={"content-type": answer.content_type})

    return Starlette(routes=[Route("/add-checkpoint", add, methods=["POST"])])
