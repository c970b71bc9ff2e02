import json
import logging

import pytest

from bot.logging_setup import JsonFormatter, log_event


def test_personal_fields_are_refused():
    for field in ("text", "phone", "address", "body", "postcode"):
        with pytest.raises(ValueError):
            log_event("x", **{field: "07700 900123"})


def test_events_are_one_json_line(caplog):
    with caplog.at_level(logging.INFO, logger="community_connect"):
        log_event("message_handled", inbound_id="abc", rasa_ms=12.5)
    line = JsonFormatter().format(caplog.records[-1])
    data = json.loads(line)
    assert data["event"] == "message_handled" and data["rasa_ms"] == 12.5 and "\n" not in line
