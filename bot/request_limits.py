"""A size limit on every request body, enforced before any route reads or parses it.

Webhooks, the web chat and console forms are all small; anything larger is refused with 413,
either at once from Content-Length or, for a body sent without one, as soon as the bytes read
pass the limit. The limit is raised as an HTTPException from `receive`, which FastAPI passes on
unchanged while reading a body, so routes need no code of their own.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await JSONResponse({"error": "bad request", "detail": "Content-Length is not a number."},
                                   status_code=400)(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await JSONResponse({"error": "request too large", "detail": BodyTooLarge(self.max_bytes).detail},
                                   status_code=413, headers=_cors(scope))(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


def _cors(scope: Scope) -> dict[str, str]:
    """The API's CORS header on its refusals too (Open Referral UK asks for it on every response)."""
    return {"Access-Control-Allow-Origin": "*"} if str(scope.get("path", "")).startswith("/api") else {}
