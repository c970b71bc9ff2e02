"""Control words handled before the dialogue, as carriers and Twilio expect.

A message that is only one of these words (any case, surrounding spaces or a full stop)
is a command; the same word inside a sentence is left to the dialogue.
"""

from __future__ import annotations

import re

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "OPTOUT", "REVOKE"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

_CLEAN = re.compile(r"[^A-Z]")


def control_word(text: str | None) -> str | None:
    """'opt_out', 'opt_in', 'help' or None for an ordinary message."""
    if not text:
        return None
    word = _CLEAN.sub("", text.strip().upper())
    if len(text.strip().split()) != 1:
        return None
    if word in OPT_OUT_WORDS:
        return "opt_out"
    if word in OPT_IN_WORDS:
        return "opt_in"
    if word in HELP_WORDS:
        return "help"
    return None
