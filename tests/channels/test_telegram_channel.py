"""Telegram, as a resident and Telegram see it: real webhook updates in, the real PTB client out."""

from __future__ import annotations

import time

import pytest

from bot.gateway import messages as texts
from bot.policy import opt_out
from tests.channels.helpers import RunningApp, wait_for
from tests.fakes.rasa import GREETING, FakeRasa
from tests.fakes.telegram import FakeTelegram, message_update, press_update

CHAT = 5550001
MEETING_PEOPLE = GREETING["buttons"][0]["payload"]


def _start(fake_telegram: FakeTelegram, chat: int = CHAT):  # type: ignore[no-untyped-def]
    assert fake_telegram.post_update(message_update(chat, "/start")).status_code == 200
    return wait_for(lambda: fake_telegram.chat(chat), what="the greeting")[0]


def test_a_missing_or_wrong_secret_is_refused_and_nothing_is_stored(app: RunningApp, fake_telegram: FakeTelegram) -> None:
    wrong = fake_telegram.post_update(message_update(CHAT, "hi"), secret="not-the-secret")
    missing = fake_telegram.post_update(message_update(CHAT, "hi"), secret="")

    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert app.inbound_count() == 0
    assert fake_telegram.shown == []


def test_start_greets_with_the_options_as_buttons(app: RunningApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa) -> None:
    greeting = _start(fake_telegram)

    assert fake_rasa.messages() == ["hi"]
    assert greeting.text == GREETING["text"]  # no numbered list: the options are buttons
    assert [b["text"] for b in greeting.buttons()] == ["Meeting people", "Getting active"]
    assert len(MEETING_PEOPLE.encode()) > 64  # too long to be callback data itself...
    assert all(len(b["callback_data"].encode()) <= 64 for b in greeting.buttons())  # ...so it is keyed


def test_pressing_a_button_sends_the_offered_payload_and_answers_the_press(
    app: RunningApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
) -> None:
    greeting = _start(fake_telegram)
    fake_rasa.replies[MEETING_PEOPLE] = [{"text": "Here are some friendly groups near you."}]
    press = press_update(CHAT, greeting, "Meeting people")

    assert fake_telegram.post_update(press).status_code == 200
    reply = wait_for(lambda: fake_telegram.chat(CHAT)[1:], what="the reply")[0]
    assert fake_rasa.messages() == ["hi", MEETING_PEOPLE]
    assert reply.text == "Here are some friendly groups near you."
    wait_for(lambda: fake_telegram.answered, what="the callback answer")
    assert fake_telegram.answered == [press["callback_query"]["id"]]


def test_a_button_from_an_older_keyboard_is_read_as_its_words(
    app: RunningApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
) -> None:
    old = _start(fake_telegram)
    fake_rasa.replies["something else"] = [{"text": "Which day suits you?", "buttons": [
        {"title": "Weekdays", "payload": "/choose_day{\"day\": \"weekday\"}"},
        {"title": "Weekends", "payload": "/choose_day{\"day\": \"weekend\"}"},
    ]}]
    fake_telegram.post_update(message_update(CHAT, "something else"))
    wait_for(lambda: len(fake_telegram.chat(CHAT)) == 2, what="the new options")

    fake_telegram.post_update(press_update(CHAT, old, "Getting active"))
    app.quiet()
    assert fake_rasa.messages()[-1] == "Getting active"  # not a payload that is no longer on offer


def test_stop_and_start_commands_opt_out_and_back_in(app: RunningApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa) -> None:
    _start(fake_telegram)
    fake_telegram.post_update(message_update(CHAT, "/stop"))
    wait_for(lambda: len(fake_telegram.chat(CHAT)) == 2, what="the opt-out confirmation")
    fake_telegram.post_update(message_update(CHAT, "hello?"))
    app.quiet()
    assert [s.text for s in fake_telegram.chat(CHAT)[1:]] == [opt_out.OPTED_OUT]

    fake_telegram.post_update(message_update(CHAT, "/start"))
    wait_for(lambda: len(fake_telegram.chat(CHAT)) == 3, what="the welcome back")
    assert fake_telegram.chat(CHAT)[2].text == opt_out.OPTED_IN
    assert fake_rasa.messages() == ["hi"]


def test_help_command_and_a_photo_are_answered_without_the_dialogue(
    app: RunningApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
) -> None:
    fake_telegram.post_update(message_update(CHAT, "/help"))
    wait_for(lambda: fake_telegram.chat(CHAT), what="the help text")
    fake_telegram.post_update(message_update(CHAT, photo=True))
    wait_for(lambda: len(fake_telegram.chat(CHAT)) == 2, what="the media reply")

    assert [s.text for s in fake_telegram.chat(CHAT)] == [texts.HELP, texts.MEDIA_ONLY]
    assert fake_rasa.received == []


def test_a_redelivered_update_is_answered_once(app: RunningApp, fake_telegram: FakeTelegram) -> None:
    update = message_update(CHAT, "hi", update_id=777)
    fake_telegram.post_update(update)
    fake_telegram.post_update(update)
    app.quiet()

    assert app.inbound_count() == 1
    assert len(fake_telegram.chat(CHAT)) == 1


def test_group_chats_are_ignored(app: RunningApp, fake_telegram: FakeTelegram) -> None:
    response = fake_telegram.post_update(message_update(CHAT, "hi", chat_type="group"))

    assert response.status_code == 200
    assert app.inbound_count() == 0


def test_flood_control_is_retried_later_without_asking_telegram_too_soon(
    app: RunningApp, fake_telegram: FakeTelegram,
) -> None:
    # A 3 s wait leaves room for the early retry below even on a loaded 2-core machine.
    fake_telegram.fail_next_send(429, "Too Many Requests: retry after 3", retry_after=3)
    fake_telegram.post_update(message_update(CHAT, "hi"))
    wait_for(lambda: [m.attempts for m in app.outbound("telegram")] == [1], what="the refused attempt")
    assert app.statuses("telegram") == ["queued"]

    app.make_due()  # retried within Telegram's wait: not sent, and Telegram not asked again
    wait_for(lambda: [m.attempts for m in app.outbound("telegram")] == [2], what="the early retry")
    assert fake_telegram.send_attempts() == 1

    time.sleep(3.0)
    app.make_due()
    wait_for(lambda: app.statuses("telegram") == ["sent"], what="the message to go")
    assert fake_telegram.send_attempts() == 2
    assert [s.text for s in fake_telegram.chat(CHAT)] == [GREETING["text"]]


def test_a_blocked_bot_fails_at_once_and_the_chat_is_opted_out(app: RunningApp, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next_send(403, "Forbidden: bot was blocked by the user")
    fake_telegram.post_update(message_update(CHAT, "hi"))

    wait_for(lambda: app.statuses("telegram") == ["failed"], what="the failure")
    assert app.address("telegram", str(CHAT)).opted_out
    assert fake_telegram.send_attempts() == 1


@pytest.mark.telegram_pacing
def test_messages_to_one_chat_are_spaced_out(app: RunningApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa) -> None:
    fake_rasa.replies["tell me more"] = [{"text": "There is a walking group on Mondays."}, {"text": "And a choir on Thursdays."}]
    fake_telegram.post_update(message_update(CHAT, "tell me more"))

    first, second = wait_for(lambda: fake_telegram.chat(CHAT)[:2] if len(fake_telegram.chat(CHAT)) == 2 else None,
                             what="both messages")
    assert (first.text, second.text) == ("There is a walking group on Mondays.", "And a choir on Thursdays.")
    assert second.at - first.at >= 0.9


def test_a_reply_longer_than_telegram_allows_arrives_in_parts_with_buttons_last(
    app: RunningApp, fake_telegram: FakeTelegram, fake_rasa: FakeRasa,
) -> None:
    paragraphs = [(f"Listing {i}: " + "a friendly group that meets weekly. " * 20).strip() for i in range(8)]
    fake_rasa.replies["show me everything"] = [{"text": "\n".join(paragraphs), "buttons": GREETING["buttons"]}]
    fake_telegram.post_update(message_update(CHAT, "show me everything"))

    parts = wait_for(lambda: fake_telegram.chat(CHAT) if len(fake_telegram.chat(CHAT)) == 2 else None, what="both parts")
    assert all(len(p.text) <= 4096 for p in parts)
    assert parts[1].text.startswith("Listing ")  # broken between listings, not mid-sentence
    assert "\n".join(p.text for p in parts).split("\n") == paragraphs
    assert (parts[0].buttons(), [b["text"] for b in parts[1].buttons()]) == ([], ["Meeting people", "Getting active"])
