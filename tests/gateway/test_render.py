from bot.gateway.render import map_option_reply, map_payload, render
from bot.text.sms_text import is_gsm7

MESSAGES = [
    {"text": "Hi 😀 it’s me"},
    {"text": "Can I keep this?", "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]},
]


def test_sms_gets_numbered_options_in_gsm7_text():
    out, offered = render(MESSAGES, "sms")
    assert [o.body for o in out] == ["Hi  it's me", "Can I keep this?\n1 Yes\n2 No"]
    assert all(is_gsm7(o.body) for o in out)
    assert offered == [{"n": 1, "title": "Yes", "payload": "/affirm"}, {"n": 2, "title": "No", "payload": "/deny"}]


def test_telegram_keeps_text_and_gets_buttons():
    out, offered = render(MESSAGES, "telegram")
    assert out[1].body == "Can I keep this?"
    assert [o["title"] for o in out[1].options] == ["Yes", "No"]


def test_last_message_without_options_clears_the_offer():
    _, offered = render(MESSAGES + [{"text": "Thanks"}], "sms")
    assert offered is None


def test_number_reply_maps_back_to_the_offered_payload():
    _, offered = render(MESSAGES, "sms")
    assert map_option_reply("2", offered) == "/deny"
    assert map_option_reply(" 1. ", offered) == "/affirm"
    assert map_option_reply("3", offered) is None
    assert map_option_reply("2", None) is None
    assert map_option_reply("I have 2 kids", offered) is None


def test_only_offered_payloads_are_accepted_from_buttons():
    _, offered = render(MESSAGES, "telegram")
    assert map_payload("/deny", offered) == "/deny"
    assert map_payload('/forget_me', offered) is None


def test_typed_slash_commands_cannot_trigger_intents():
    from bot.gateway.processor import as_plain_text

    assert as_plain_text('/forget_me') == "forget_me"
    assert as_plain_text('/choose_option{"number": "1"}').startswith("choose_option")
    assert as_plain_text("I want 1/2 price") == "I want 1/2 price"
