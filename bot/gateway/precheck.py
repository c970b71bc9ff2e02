"""The checks that never wait: run on every stored message at once, before the per-person queue.

A person's messages reach the dialogue one at a time, oldest first, and while Rasa is down they
wait. Two things must not wait behind them: a sign of risk, and STOP/START. So as soon as a
message is stored (and again by the sweeper, for anything a restart left unchecked), it is
checked here, whatever Rasa, the rate limit or an earlier opt-out say:
- STOP or START is honoured and confirmed; the message is then done.
- Risk gets the crisis response (bot/policy/crisis.py): safety texts where the channel allows,
  an urgent flag with the words. The message is then done, unless it also asks for something or
  only the classifier flagged it and is unsure (`RiskAssessment.goes_on`): then it waits its turn
  and goes on to the dialogue like any other (which does not answer the crisis twice).
- Anything else is marked clear and waits its turn.
The result is stored on the message (`inbound_message.precheck`), in the same transaction as
what it sent and flagged, so a restart never repeats a check or skips one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone

from sqlalchemy.orm import Session

from bot.gateway.keywords import control_word
from bot.gateway.outbox import enqueue
from bot.models import ChannelAddress, InboundMessage
from bot.policy import crisis, opt_out
from bot.statuses import Precheck


@dataclass(frozen=True)
class Checked:
    precheck: Precheck
    route: str | None  # set when the message is fully handled: opt_out | opt_in | crisis


def precheck(session: Session, inbound: InboundMessage, address: ChannelAddress) -> Checked:
    """Run the checks for one message and record the result on it (the caller commits)."""

    def send(body: str, kind: str) -> object:
        return enqueue(session, address, body, kind=kind, in_reply_to=inbound.id)

    word = control_word(inbound.text)
    if word == "opt_out":
        received = inbound.received_at  # so messages written before the STOP still reach the dialogue
        when = received if received.tzinfo else received.replace(tzinfo=timezone.utc)
        opt_out.opt_out_and_confirm(address, send, now=when)
        checked = Checked(Precheck.CONTROL, "opt_out")
    elif word == "opt_in":
        opt_out.opt_in_and_confirm(address, send)
        checked = Checked(Precheck.CONTROL, "opt_in")
    else:
        assessment = crisis.assess_risk(inbound.text or "")
        if assessment.is_risk:
            crisis.respond_to_risk(session, address, inbound.text or "", assessment, enqueue=enqueue, source="gateway",
                                   in_reply_to=inbound.id)
            checked = Checked(Precheck.RISK, None if assessment.goes_on else "crisis")
        else:
            checked = Checked(Precheck.CLEAR, None)
    inbound.precheck = checked.precheck
    return checked
