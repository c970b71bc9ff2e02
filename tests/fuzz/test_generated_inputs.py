"""Generated input, most of it hostile, against every door the app has: never a server error.

Hypothesis writes the requests: every documented HSDS parameter (and our local ones) with random
and hostile values, SMS webhooks with and without valid signatures, Telegram updates, web chat
messages and polls, and the console's forms (login, two-step code, logout, listing editor and
handoff replies, with and without the CSRF token). The app is the real one, in process, over a
migrated SQLite database holding the demo directory; Rasa is the fake REST channel, and the
Twilio and Telegram APIs point at a closed port (sends fail and are retried, as in an outage).
Any 5xx fails the test, naming the request. The total is printed and must reach 10,000.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.config import load_settings
from bot.console.auth import create_user
from bot.db import session_scope
from community_directory.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from tests.api.directory_app import demo_database
from tests.fakes.rasa import FakeRasa

AUTH_TOKEN = "5ec2e7" + "0" * 26
TELEGRAM_SECRET = "tg-webhook-secret-0123456789"
PUBLIC_URL = "https://connect.example.org"
CLOSED = "http://127.0.0.1:9"
COUNTS: Counter[str] = Counter()
MINIMUM_REQUESTS = 10_000
FAST = settings(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

HOSTILE = [
    "", " ", "0", "-1", "1", "2", "500", "501", "100000", "100001", "99999999999999999999", "-99999999999999999999",
    "1e308", "-1e308", "1e-308", "nan", "NaN", "inf", "-inf", "0x10", "1_000", "١٢", "%", "_", "%%", "\\", "\\%",
    "'", '"', "' OR 1=1 --", "'; DROP TABLE service; --", "\x00", "a\x00b", "\r\n", "<script>alert(1)</script>",
    "true", "false", "yes", "no", "TRUE", "maybe", "any", "active", "inactive", "json", "ndjson", "xml",
    "SR1 1AA", "SR2 8PN", "SR6 9LU", "SR", "ZZ99 9ZZ", "NE1 1AA", "sr28pn", "9999-99-99", "0001-01-01",
    "0000-00-00", "9999-12-31", "2024-05-31T10:30:00Z", "2024-05-31T25:61:00+99:00", "monday", "MO", "Funday",
    "10:00", "25:61", "23:59:59", "-10:00", "é" * 40, "😀" * 20, "word " * 300, "x" * 5000, "../../etc/passwd",
    "%00", "%25", "{}", "[]", "null", "${jndi:ldap://x}",
]
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers(-(2**70), 2**70).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(str))
API_PARAMS = ["search", "text", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id", "organization_id",
              "modified_after", "minimal", "full", "full_service", "postcode", "proximity", "proximity_miles",
              "status", "minimum_age", "maximum_age", "day", "start_time", "end_time", "top_only", "parent_id"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = demo_database(tmp_path_factory.getbasetemp(), folder / "fuzz.db")
    with session_scope(url) as s:
        create_user(s, "cur", "another-long-password", "curator")
        create_user(s, "lw", "a-long-password", "link_worker")
        ids = {
            "services": list(s.scalars(select(Service.id).limit(20))),
            "service_at_locations": list(s.scalars(select(ServiceAtLocation.id).limit(20))),
            "organizations": list(s.scalars(select(Organization.id).limit(20))),
            "taxonomies": list(s.scalars(select(Taxonomy.id).limit(5))),
            "taxonomy_terms": list(s.scalars(select(TaxonomyTerm.id).limit(20))),
        }
    rasa = FakeRasa()
    rasa.server.start()
    app_settings = dataclasses.replace(
        load_settings(), database_url=url, rasa_url=rasa.url, rasa_tracker_db=f"sqlite:///{folder / 'tracker.db'}",
        public_url=PUBLIC_URL, public_url_given=True, twilio_account_sid="AC" + "0123456789abcdef" * 2,
        twilio_auth_token=AUTH_TOKEN, twilio_from_number="+447700900000", twilio_api_base=CLOSED,
        telegram_bot_token="123456:TEST-bot-token_abcdef", telegram_secret_token=TELEGRAM_SECRET,
        telegram_api_base=CLOSED, log_level="ERROR", rate_limit_per_minute=100_000, rasa_timeout_seconds=5.0,
    )
    try:
        with TestClient(create_app(app_settings), raise_server_exceptions=False,
                        base_url="https://connect.example.org") as client:
            page = client.get("/console/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            logged = client.post("/console/login", data={"username": "cur", "password": "another-long-password",
                                                         "csrf": token}, follow_redirects=False)
            assert logged.status_code == 303
            curator = dict(client.cookies.items())
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/directory/new").text).group(1)
            client.cookies.clear()
            yield {"client": client, "ids": ids, "curator": curator, "curator_csrf": csrf, "url": url}
    finally:
        rasa.server.stop()


def segment(text: str, safe: str = "") -> str:
    """A path segment as sent on the wire: percent-encoded, lone surrogates as their raw bytes."""
    return quote(text.encode("utf-8", "surrogatepass"), safe=safe)


def send(world: dict[str, Any], kind: str, method: str, path: str, **kwargs: Any) -> Any:
    response = world["client"].request(method, path, **kwargs)
    COUNTS[kind] += 1
    described = {k: (v if len(repr(v)) < 300 else repr(v)[:300] + "...") for k, v in kwargs.items()}
    assert response.status_code < 500, f"{method} {path} {described} -> {response.status_code}: {response.text[:300]}"
    return response


# -- the HSDS API -----------------------------------------------------------------------------------


@settings(FAST, max_examples=int(os.environ.get('FUZZ_API', 4200)))
@given(data=st.data())
def test_the_api_answers_every_parameter_without_a_server_error(world, data):
    lists = ["/api/services", "/api/service_at_locations", "/api/organizations", "/api/taxonomies",
             "/api/taxonomy_terms"]
    kind = data.draw(st.sampled_from(["list", "list", "list", "item", "about", "odd"]))
    params = data.draw(st.dictionaries(st.sampled_from(API_PARAMS), values, max_size=5))
    params.setdefault("per_page", data.draw(st.sampled_from(["1", "3", "5"])))
    if kind == "list":
        send(world, "api", "GET", data.draw(st.sampled_from(lists)), params=params)
    elif kind == "item":
        collection = data.draw(st.sampled_from(sorted(world["ids"])))
        item = data.draw(st.one_of(st.sampled_from(world["ids"][collection] or ["x"]),
                                   st.sampled_from(HOSTILE).filter(lambda v: "/" not in v and v.strip()),
                                   st.text(alphabet=st.characters(blacklist_characters="/?#"), min_size=1,
                                           max_size=40)))
        send(world, "api", "GET", f"/api/{collection}/{segment(item)}", params=params)
    elif kind == "about":
        send(world, "api", "GET", data.draw(st.sampled_from(["/api/", "/api/openapi.json", "/openapi.json"])))
    else:
        method = data.draw(st.sampled_from(["GET", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "HEAD"]))
        rest = data.draw(st.text(alphabet=st.characters(blacklist_characters="?#"), max_size=30))
        send(world, "api", method, f"/api/{segment(rest, safe='/')}", params=params,
             headers={"Access-Control-Request-Headers": data.draw(st.sampled_from(["", "x-test", "a" * 200]))})


# -- SMS, Telegram ----------------------------------------------------------------------------------

sms_fields = st.dictionaries(
    st.one_of(st.sampled_from(["From", "Body", "MessageSid", "SmsSid", "NumMedia", "MessageStatus", "SmsStatus",
                               "ErrorCode", "To", "AccountSid", "MediaUrl0"]), st.text(max_size=10)),
    values, max_size=8,
)


@settings(FAST, max_examples=2300)
@given(fields=sms_fields, signed=st.booleans(), path=st.sampled_from(["/sms/inbound", "/sms/status"]),
       body_kind=st.sampled_from(["form", "form", "form", "bytes", "json", "multipart"]),
       raw=st.binary(max_size=300), sender=st.sampled_from(["+447700900123", "+447700900456", "07700900789", ""]),
       sid=st.text(min_size=1, max_size=40))
def test_sms_webhooks_signed_or_not(world, fields, signed, path, body_kind, raw, sender, sid):
    if signed and "From" not in fields:
        fields = {**fields, "From": sender, "MessageSid": "SM" + sid, "Body": fields.get("Body", "HELP")}
    fields = {k: v.replace("\x00", "") for k, v in fields.items()}  # Twilio never sends a NUL
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, fields) if signed else "c2lnbmF0dXJl"
    headers = {"X-Twilio-Signature": signature}
    if body_kind == "form":
        send(world, "sms", "POST", path, data=fields, headers=headers)
    elif body_kind == "bytes":
        send(world, "sms", "POST", path, content=raw,
             headers={**headers, "content-type": "application/x-www-form-urlencoded"})
    elif body_kind == "json":
        send(world, "sms", "POST", path, json=fields, headers=headers)
    else:
        send(world, "sms", "POST", path, files={"f": ("a.txt", raw)}, data=fields, headers=headers)


json_values = st.recursive(st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=3), max_leaves=8)


@st.composite
def telegram_updates(draw: Any) -> Any:
    chat = {"id": draw(st.one_of(st.integers(-(2**60), 2**60), st.text(max_size=12))),
            "type": draw(st.sampled_from(["private", "private", "group", "channel", "", "weird"]))}
    message = {"message_id": draw(st.integers(0, 2**40)), "date": draw(st.integers(0, 2**33)), "chat": chat,
               "text": draw(st.one_of(st.sampled_from(["/start", "/stop", "/help", "/x@bot", "/", "hi", "STOP"]),
                                      st.text(max_size=60), st.none()))}
    if draw(st.booleans()):
        message[draw(st.sampled_from(["photo", "voice", "sticker", "caption", "location"]))] = draw(json_values)
    update: dict[str, Any] = {"update_id": draw(st.integers(-(2**40), 2**40))}
    shape = draw(st.sampled_from(["message", "message", "callback", "edited", "random"]))
    if shape == "message":
        update["message"] = message
    elif shape == "callback":
        update["callback_query"] = {"id": draw(st.text(max_size=10)), "data": draw(st.text(max_size=70)),
                                    "chat_instance": "1", "from": {"id": 1, "is_bot": False, "first_name": "A"},
                                    "message": message}
    elif shape == "edited":
        update["edited_message"] = message
    else:
        update = draw(json_values)
    return update


@settings(FAST, max_examples=1300)
@given(update=telegram_updates(), secret=st.sampled_from([TELEGRAM_SECRET, TELEGRAM_SECRET, "", "wrong"]),
       raw=st.one_of(st.none(), st.binary(max_size=200)))
def test_telegram_updates(world, update, secret, raw):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    if raw is not None:
        send(world, "telegram", "POST", "/telegram/webhook", content=raw,
             headers={**headers, "content-type": "application/json"})
    else:
        send(world, "telegram", "POST", "/telegram/webhook", json=update, headers=headers)


# -- web chat -------------------------------------------------------------------------------------


@settings(FAST, max_examples=1500)
@given(text=st.one_of(st.sampled_from(["hi", "HELP", "STOP", "START", "1", "2", "/restart", "forget me", ""]),
                      st.text(max_size=200)),
       client_id=st.one_of(st.text(min_size=8, max_size=12, alphabet="abcdef0123456789-_"), st.text(max_size=70)),
       cookie=st.one_of(st.none(), st.sampled_from(["chat-aaaaaaaaaaaaaaaa", "chat-bbbbbbbbbbbbbbbb"]),
                        st.text(max_size=70)),
       header=st.sampled_from(["1", "1", "0", None]), shape=st.sampled_from(["send", "send", "send", "poll", "raw"]),
       after=values, raw=json_values)
def test_web_chat(world, text, client_id, cookie, header, shape, after, raw):
    client = world["client"]
    client.cookies.clear()
    if cookie is not None:
        client.cookies.set("webchat_id", cookie.encode("ascii", "ignore").decode() or "x")
    headers = {"x-webchat": header} if header is not None else {}
    if shape == "send":
        send(world, "webchat", "POST", "/chat/api/messages", json={"text": text, "client_id": client_id},
             headers=headers)
    elif shape == "poll":
        send(world, "webchat", "GET", "/chat/api/messages", params={"after": after})
    else:
        send(world, "webchat", "POST", "/chat/api/messages", content=json.dumps(raw), headers=headers)
    client.cookies.clear()


# -- console forms --------------------------------------------------------------------------------


@settings(FAST, max_examples=450)
@given(username=st.one_of(st.sampled_from(["lw", "cur", "admin", ""]), st.text(max_size=80)),
       password=st.one_of(st.sampled_from(["a-long-password", "wrong-password-123", ""]), st.text(max_size=300)),
       good_csrf=st.booleans(), path=st.sampled_from(["/console/login", "/console/login", "/console/login/code",
                                                      "/console/logout"]),
       code=values, extra=st.dictionaries(st.text(max_size=8), values, max_size=3))
def test_console_login_forms(world, username, password, good_csrf, path, code, extra):
    client = world["client"]
    client.cookies.clear()
    page = send(world, "console", "GET", "/console/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1) if good_csrf else "forged"
    form = {**extra, "username": username, "password": password, "code": code, "csrf": token}
    send(world, "console", "POST", path, data=form, follow_redirects=False)


LISTING_FIELDS = ["organization", "organization_description", "name", "description", "needs", "venue", "address_1",
                  "city", "postcode", "wheelchair", "day", "start_time", "end_time", "cost", "amount",
                  "application_process", "phone", "email"]


@settings(FAST, max_examples=900)
@given(fields=st.dictionaries(st.sampled_from(LISTING_FIELDS), values, max_size=10), good_csrf=st.booleans(),
       action=st.sampled_from(["new", "edit", "verify", "deactivate", "reactivate", "full", "not-full", "view",
                               "list", "reply", "claim", "close", "outcomes"]),
       target=st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_characters="/?#"), min_size=1,
                                           max_size=20)),
       query=st.dictionaries(st.sampled_from(["q", "status", "need", "page", "start", "end", "sort"]), values,
                             max_size=3))
def test_console_pages_and_forms_as_a_curator(world, fields, good_csrf, action, target, query):
    client = world["client"]
    client.cookies.clear()
    client.cookies.update(world["curator"])
    service = target or world["ids"]["services"][len(fields) % len(world["ids"]["services"])]
    data = {**fields, "csrf": world["curator_csrf"] if good_csrf else "forged"}
    if action == "new":
        send(world, "console", "POST", "/console/directory/new", data=data, follow_redirects=False)
    elif action in {"edit", "verify", "deactivate", "reactivate", "full", "not-full"}:
        send(world, "console", "POST", f"/console/directory/listings/{segment(service)}/{action}", data=data,
             follow_redirects=False)
    elif action == "view":
        send(world, "console", "GET", f"/console/directory/listings/{segment(service)}", params=query)
    elif action == "list":
        send(world, "console", "GET", "/console/directory/listings", params=query)
    elif action == "outcomes":
        send(world, "console", "GET", "/console/outcomes", params=query)
    else:
        send(world, "console", "POST", f"/console/handoffs/{segment(service)}/{action}",
             data={**data, "message": fields.get("description", "hello")}, follow_redirects=False)
    client.cookies.clear()


def test_zz_the_suite_sent_at_least_ten_thousand_requests():
    total = sum(COUNTS.values())
    print(f"\ngenerated requests: {total} ({', '.join(f'{k} {v}' for k, v in sorted(COUNTS.items()))}); "
          "server errors: 0")
    assert total >= MINIMUM_REQUESTS, COUNTS
