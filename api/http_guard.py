"""Checks on a GraphQL HTTP request before anything parses it (ASGI wrapper in front of /graphql).

* **Size**: a POST body larger than ``max_body_bytes`` is refused with 413 — by its
  ``Content-Length`` before a byte is read, and while it streams in (a chunked body has no
  length), so no more than the limit is ever held in memory. A GET query string is bounded the
  same way (414); uvicorn's h11 parser already refuses a request line and headers above 16 KiB.
* **Shape**: the body must be UTF-8 JSON (no lone surrogates) holding an object whose ``query`` is
  a string, ``variables`` and ``extensions`` objects or null and ``operationName`` a string or
  null; anything else is a 400 that says what was wrong, instead of a crash (500) deeper down.
  ``Content-Type`` must be JSON (415).
* **The event loop stays free**: a body above :data:`THREAD_ABOVE_BYTES` is decoded in a worker
  thread.

Refusals are GraphQL-shaped JSON: ``{"errors": [{"message", "extensions": {"code"}}]}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import orjson

from graph.errors import ScholarGraphError

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

THREAD_ABOVE_BYTES = 64 * 1024  # decode (and parse) larger bodies off the event loop

_SHAPE = "a JSON object with a `query` string (and optional `variables` and `operationName`)"


class Refused(ScholarGraphError):
    """A request refused before GraphQL sees it (400): the message says what was wrong."""

    status: ClassVar[int] = 400


class TooLarge(Refused):
    status = 413
    code = "PAYLOAD_TOO_LARGE"

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(
            f"{what} is larger than the {limit} byte limit (SCHOLARGRAPH_MAX_BODY_BYTES)"
        )


class NotJson(Refused):
    status = 415

    def __init__(self) -> None:
        super().__init__("send the request as Content-Type: application/json")


def refusal_body(code: str, message: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


async def refuse(send: Send, refused: Refused) -> None:
    body = refusal_body(refused.code, str(refused))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return None


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body (None when the client left), or :class:`Refused` (413) as soon as it is
    known to exceed ``limit``."""
    declared = _header(scope, b"content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise Refused("the Content-Length header is not a number") from None
        if length > limit:
            raise TooLarge("the request body", limit)
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None  # the client left: nobody is waiting for an answer
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge("the request body", limit)
        parts.append(chunk)
        if not message.get("more_body"):
            return b"".join(parts)


def check_payload(body: bytes) -> dict[str, Any]:
    """The decoded GraphQL request, or :class:`Refused` (400) naming what is wrong."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise Refused(f"the request body is not UTF-8 (byte {bad.start})") from e
        # orjson refuses lone surrogates ("\ud800") too; its message gives the position, never
        # the input
        raise Refused(f"the request body is not valid JSON: {e}") from e
    if not isinstance(payload, dict):
        kind = (
            "an array (batched requests are not supported)"
            if isinstance(payload, list)
            else (f"a JSON {_json_kind(payload)}")
        )
        raise Refused(f"the request body is {kind}; expected {_SHAPE}")
    query = payload.get("query")
    if not isinstance(query, str):
        raise Refused(f"`query` must be a string; expected {_SHAPE}")
    for name in ("variables", "extensions"):
        if not isinstance(payload.get(name), dict | None):
            raise Refused(f"`{name}` must be a JSON object or null")
    if not isinstance(payload.get("operationName"), str | None):
        raise Refused("`operationName` must be a string or null")
    return payload


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


class RequestGuard:
    """ASGI wrapper: refuses oversized or malformed GraphQL requests before ``app`` sees them."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "GET":
                if len(scope.get("query_string", b"")) > self.max_body_bytes:
                    raise TooLarge("the query string", self.max_body_bytes)
                await self.app(scope, receive, send)
                return
            if scope["method"] != "POST":
                await self.app(scope, receive, send)
                return
            media_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
            if b"application/json" not in media_type:  # what strawberry's view accepts
                raise NotJson
            body = await read_body(scope, receive, self.max_body_bytes)
            if body is None:
                return
            if len(body) > THREAD_ABOVE_BYTES:
                await asyncio.to_thread(check_payload, body)
            else:
                check_payload(body)
        except Refused as refused:
            await refuse(send, refused)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands out the buffered body once, then the client's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
