"""Every /api response carries `Access-Control-Allow-Origin: *` and errors as JSON, 500s included.

The Open Referral UK profile requires the CORS header on all responses, errors included, so
browser apps can read a 400's explanation. Done in the route class rather than as app
middleware so the API stays self-contained in its router.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from bot.api.params import BadParameter
from bot.logging_setup import log_event

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Max-Age": "86400",
}


class NotFound(LookupError):
    """No row with the id asked for; becomes a 404 JSON body."""

    def __init__(self, kind: str, item_id: str) -> None:
        super().__init__(f"no {kind} with id {item_id!r}")
        self.kind, self.item_id = kind, item_id

    def body(self) -> dict[str, str]:
        return {"error": "not found", "detail": f"There is no {self.kind} with the id {self.item_id!r}."}


def error_response(exc: Exception) -> Response | None:
    if isinstance(exc, BadParameter):
        return JSONResponse(exc.body(), status_code=400)
    if isinstance(exc, NotFound):
        return JSONResponse(exc.body(), status_code=404)
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        where = errors[0].get("loc", ("?",))[-1] if errors else "?"
        return JSONResponse({"error": "invalid parameter", "parameter": str(where),
                             "detail": errors[0].get("msg", "") if errors else ""}, status_code=400)
    if isinstance(exc, HTTPException):
        return JSONResponse({"error": "request failed", "detail": exc.detail}, status_code=exc.status_code,
                            headers=exc.headers)
    return None


class CorsRoute(APIRoute):
    """An APIRoute whose responses, and expected errors, carry the CORS header."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_cors(request: Request) -> Response:
            try:
                response = await handler(request)
            except Exception as exc:
                response = error_response(exc)  # type: ignore[assignment]
                if response is None:  # a fault of ours: still JSON, still with the CORS header
                    log_event("api_error", level=logging.ERROR, path=request.url.path, error=type(exc).__name__)
                    response = JSONResponse({"error": "server error", "detail": "Something went wrong on our "
                                             "side. Try again later."}, status_code=500)
            response.headers.update(CORS_HEADERS)
            return response

        return with_cors
