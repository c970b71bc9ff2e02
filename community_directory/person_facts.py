"""What is known about the person an activity is for: age, carer, parent, gender, mobility.

Matching uses these to check who a group is for (listing_facts.audience_tags): a carers'
group only for a carer, a women's group only when the person is a woman or asked for one,
walking football not first for someone with a bad knee. Each field is None when nobody said,
and "not said" is treated differently from "said no": a listing for carers is left out for
someone who said they are not a carer, and only pushed down for someone who never said.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

GENDERS = ("female", "male")  # anything else said is kept as written, and fits neither "only" group
MOBILITY = ("walking_aid", "wheelchair", "limited")  # a frame, stick or walker / a wheelchair / "bad knee"


@dataclass
class AboutPerson:
    age: int | None = None
    age_group: str | None = None  # young_people | adults | older_people (listing_facts.AGE_GROUPS)
    is_carer: bool | None = None
    is_parent: bool | None = None  # a parent or carer of children (a baby group, a dads' group)
    gender: str | None = None  # "female" | "male" | as said; None when not said
    language: str | None = None  # a language they would rather speak, as normalise_language reads it
    mobility: str | None = None  # one of MOBILITY

    @classmethod
    def of(cls, value: AboutPerson | dict[str, Any] | None) -> AboutPerson:
        """Accept the dataclass, a plain dict (slots, JSON) or nothing; unknown keys are ignored."""
        if isinstance(value, AboutPerson):
            return value
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (value or {}).items() if k in known})

    def as_dict(self) -> dict[str, Any]:
        """Only what was said, for slots and a link worker's handoff context."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def limited_mobility(self) -> bool:
        return self.mobility is not None
