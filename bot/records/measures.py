"""The outcome measures: ONS personal well-being (ONS4) and a plain-words Goal Attainment Scale.

Defined here once, as data, so the dialogue (domain/follow_ups.yml), the records and the
reports agree, and another measure can be added by adding an `Instrument` (licensed scales
such as SWEMWBS must not be shipped: their licence forbids copying or altering them).

ONS4 wording: GSS harmonised standard "Personal well-being" (Government Analysis Function
policy store). Source: Office for National Statistics. Thresholds are the ones ONS reports
with. What SMS changed, and why, is in docs/outcomes.md ("ONS4 over SMS").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ONS4 = "ons4"
# Our SMS rendering of the harmonised wording: bump when any question text changes, so answers
# to different wordings are never pooled without knowing.
ONS4_VERSION = "gss-harmonised/sms-1"


@dataclass(frozen=True)
class Item:
    key: str  # stored in wellbeing_answer.item
    slot: str  # the Rasa slot that collects it
    response: str  # the domain response that asks it
    harmonised: str  # the GSS harmonised question, word for word
    label: str  # for reports
    higher_is_better: bool = True

    def band(self, value: int) -> str:
        """The ONS reporting band of a 0-10 answer."""
        if self.higher_is_better:
            return "low" if value <= 4 else "medium" if value <= 6 else "high" if value <= 8 else "very high"
        return "very low" if value <= 1 else "low" if value <= 3 else "medium" if value <= 5 else "high"

    def is_poor(self, value: int) -> bool:
        """'Low' life satisfaction, worthwhile, happiness (0-4) or 'high' anxiety (6-10)."""
        return value <= 4 if self.higher_is_better else value >= 6


@dataclass(frozen=True)
class Instrument:
    key: str
    version: str
    items: tuple[Item, ...]
    minimum: int = 0
    maximum: int = 10

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)


ONS4_ITEMS = (
    Item(
        "life_satisfaction",
        "ons_life_satisfaction",
        "utter_ask_ons_life_satisfaction",
        "Overall, how satisfied are you with your life nowadays?",
        "Life satisfaction",
    ),
    Item(
        "worthwhile",
        "ons_worthwhile",
        "utter_ask_ons_worthwhile",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
        "Things done in life are worthwhile",
    ),
    Item(
        "happy_yesterday",
        "ons_happy_yesterday",
        "utter_ask_ons_happy_yesterday",
        "Overall, how happy did you feel yesterday?",
        "Happiness yesterday",
    ),
    Item(
        "anxious_yesterday",
        "ons_anxious_yesterday",
        "utter_ask_ons_anxious_yesterday",
        "On a scale where nought is 'not at all anxious' and 10 is 'completely anxious', overall, "
        "how anxious did you feel yesterday?",
        "Anxiety yesterday (lower is better)",
        higher_is_better=False,
    ),
)
INSTRUMENTS = {ONS4: Instrument(ONS4, ONS4_VERSION, ONS4_ITEMS)}
ONS4_SLOTS = tuple(item.slot for item in ONS4_ITEMS)
SKIPPED = "skip"

# A fall this big in life satisfaction from the person's own baseline asks a link worker to call.
BIG_DROP = 3


@dataclass(frozen=True)
class Progress:
    key: str  # stored in follow_up.progress and carried by the button payloads
    gas: int  # Goal Attainment Scaling, -2..+2 (0 = what was hoped for)
    words: str  # what the person is shown


# Goal Attainment Scaling (-2 much less than expected ... +2 much more; PMC6414821, Table 1),
# said the way people talk about a goal they set themselves.
PROGRESS_SCALE = (
    Progress("much_better", 2, "Much better than I hoped"),
    Progress("better", 1, "A bit better than I hoped"),
    Progress("as_hoped", 0, "About what I hoped"),
    Progress("worse", -1, "A bit less than I hoped"),
    Progress("much_worse", -2, "Much less than I hoped"),
)
GAS = {p.key: p.gas for p in PROGRESS_SCALE}

# "It didn't work": why, in a word. Each reason changes what is offered next.
BARRIERS = {
    "cost": "It cost too much",
    "time": "The time did not suit me",
    "distance": "Too far",
    "welcome": "I did not feel welcome",
    "not_for_me": "It was not for me",
}


def wellbeing_flags(answers: Mapping[str, int | None], baseline: Mapping[str, int | None]) -> list[str]:
    """Why a link worker should get in touch (never urgent): empty when all is well.

    A big fall in life satisfaction from the person's own start, low life satisfaction (0-4)
    or high anxiety (6-10), each as ONS defines its bands.
    """
    flags = []
    life, start = answers.get("life_satisfaction"), baseline.get("life_satisfaction")
    if life is not None and start is not None and start - life >= BIG_DROP:
        flags.append("life_satisfaction_fell")
    if life is not None and life <= 4:
        flags.append("low_life_satisfaction")
    anxious = answers.get("anxious_yesterday")
    if anxious is not None and anxious >= 6:
        flags.append("high_anxiety")
    return flags
