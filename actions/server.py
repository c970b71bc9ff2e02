"""The action server: rasa_sdk's own app, on loopback unless told otherwise, asking for a token.

rasa_sdk's command line always listens on every interface (0.0.0.0) and asks nothing of its
callers, so anyone who could reach it with a conversation id could read a goal or erase a
person. Run as `python -m actions.server`, it listens on 127.0.0.1 by default, and when
ACTION_SERVER_TOKEN is set every call but /health must carry it as `?token=`, which is how Rasa
sends the `token:` of its action endpoint (bot/dialogue/endpoints.py writes it). Listening on any
other address without a token is refused at start-up.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
import sys

from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

OPEN_PATHS = frozenset({"/health"})  # the stack's readiness check; it reveals nothing
KEEP_ALIVE_SECONDS = 75  # above aiohttp's 15 s keep-alive for idle connections (Rasa's side)
logger = logging.getLogger("actions.server")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_app(token: str) -> Sanic:
    """rasa_sdk's app for our actions, with no CORS (only Rasa calls it) and the token check."""
    app = create_app("actions", cors_origins=None)
    # Rasa calls us through aiohttp, which keeps an idle connection for reuse up to 15 s; Sanic closes
    # one after 5 s. A call Rasa sends on a connection we are closing fails ("Can not write request
    # body") and Rasa goes on without that action's events, so the turn says nothing or the wrong
    # thing (seen hundreds of times with 200 residents on a loaded machine). Keeping idle connections
    # longer than the client means the client always closes first.
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS
    expected = token.encode()

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if not expected or request.path in OPEN_PATHS:
            return None
        given = (request.args.get("token") or "").encode()
        if hmac.compare_digest(given, expected):
            return None
        logger.warning("action server call refused: missing or wrong token")
        return response.json({"error": "missing or wrong token"}, status=401)

    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_SERVER_PORT", "5055")))
    args = parser.parse_args(argv)
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    if not is_loopback(args.host) and not token:
        print(f"Refusing to listen on {args.host} without ACTION_SERVER_TOKEN: anyone on that network could "
              "call the actions. Set a token (and the same one for Rasa), or listen on 127.0.0.1.", file=sys.stderr)
        return 2
    if token and len(token) < 16:
        print("ACTION_SERVER_TOKEN must be at least 16 characters long", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = build_app(token)
    logger.info("action server on %s:%s (token %s)", args.host, args.port, "required" if token else "not set")
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
