"""Area names people use instead of a postcode, with an approximate centre point.

Coordinates are rounded centres of each area (good to a few hundred metres), enough to rank
nearby activities. A place name gives no deprivation decile: that needs a postcode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float


_PLACES: dict[str, tuple[str, float, float]] = {
    "hendon": ("Hendon", 54.8975, -1.3700), "millfield": ("Millfield", 54.9040, -1.4040),
    "roker": ("Roker", 54.9240, -1.3710), "seaburn": ("Seaburn", 54.9340, -1.3720),
    "southwick": ("Southwick", 54.9180, -1.4080), "pallion": ("Pallion", 54.9070, -1.4200),
    "doxford": ("Doxford Park", 54.8620, -1.4170), "doxford park": ("Doxford Park", 54.8620, -1.4170),
    "silksworth": ("Silksworth", 54.8780, -1.4160), "ryhope": ("Ryhope", 54.8730, -1.3660),
    "castletown": ("Castletown", 54.9230, -1.4360), "farringdon": ("Farringdon", 54.8730, -1.4080),
    "grindon": ("Grindon", 54.8880, -1.4360), "thorney close": ("Thorney Close", 54.8800, -1.4300),
    "red house": ("Red House", 54.9330, -1.4110), "town end farm": ("Town End Farm", 54.9350, -1.4250),
    "hylton castle": ("Hylton Castle", 54.9270, -1.4370), "hylton": ("Hylton Castle", 54.9270, -1.4370),
    "fulwell": ("Fulwell", 54.9310, -1.3860), "city centre": ("Sunderland city centre", 54.9060, -1.3830),
    "town centre": ("Sunderland city centre", 54.9060, -1.3830),
    "sunderland": ("Sunderland city centre", 54.9060, -1.3830),
    "barnes": ("Barnes", 54.8970, -1.4070), "ashbrooke": ("Ashbrooke", 54.8950, -1.3890),
    "pennywell": ("Pennywell", 54.8970, -1.4450), "hastings hill": ("Hastings Hill", 54.8860, -1.4500),
    "witherwack": ("Witherwack", 54.9350, -1.4360), "marley pots": ("Marley Pots", 54.9330, -1.4200),
    "monkwearmouth": ("Monkwearmouth", 54.9150, -1.3820), "sulgrave": ("Sulgrave", 54.9040, -1.5150),
    "concord": ("Concord", 54.9120, -1.5200), "washington": ("Washington", 54.9000, -1.5200),
    "houghton": ("Houghton-le-Spring", 54.8410, -1.4690),
    "houghton le spring": ("Houghton-le-Spring", 54.8410, -1.4690),
    "hetton": ("Hetton-le-Hole", 54.8220, -1.4500), "hetton le hole": ("Hetton-le-Hole", 54.8220, -1.4500),
    "penshaw": ("Penshaw", 54.8700, -1.4950), "shiney row": ("Shiney Row", 54.8610, -1.4970),
    "fence houses": ("Fence Houses", 54.8430, -1.5070), "easington lane": ("Easington Lane", 54.8070, -1.4310),
    "springwell": ("Springwell", 54.9020, -1.4650), "seaham": ("Seaham", 54.8390, -1.3400),
    "east end": ("East End", 54.9060, -1.3700), "deptford": ("Deptford", 54.9080, -1.4000),
    "high barnes": ("High Barnes", 54.8990, -1.4120), "grangetown": ("Grangetown", 54.8860, -1.3700),
    "tunstall": ("Tunstall", 54.8800, -1.3900), "herrington": ("Herrington", 54.8660, -1.4530),
    # smaller neighbourhoods and estates people name (approximate centres), and names run together
    "plains farm": ("Plains Farm", 54.8830, -1.4130), "leechmere": ("Leechmere", 54.8760, -1.3820),
    "gilley law": ("Gilley Law", 54.8740, -1.4000), "humbledon": ("Humbledon", 54.8930, -1.4060),
    "ford estate": ("Ford Estate", 54.8990, -1.4300), "south hylton": ("South Hylton", 54.9060, -1.4470),
    "north hylton": ("North Hylton", 54.9170, -1.4520), "carley hill": ("Carley Hill", 54.9290, -1.4000),
    "sunniside": ("Sunniside", 54.9060, -1.3780), "bishopwearmouth": ("Bishopwearmouth", 54.9040, -1.3900),
    "seaburn dene": ("Seaburn Dene", 54.9330, -1.3850), "whitburn": ("Whitburn", 54.9530, -1.3690),
    "cleadon": ("Cleadon", 54.9500, -1.4000), "hendon valley": ("Hendon", 54.8975, -1.3700),
    "redhouse": ("Red House", 54.9330, -1.4110), "thorneyclose": ("Thorney Close", 54.8800, -1.4300),
    "townend farm": ("Town End Farm", 54.9350, -1.4250), "townend": ("Town End Farm", 54.9350, -1.4250),
    "castle town": ("Castletown", 54.9230, -1.4360), "pennywell estate": ("Pennywell", 54.8970, -1.4450),
}
# Landmarks people give instead of an area ("near the Minster"): the area they stand in, or their own
# centre when they sit between areas.
_LANDMARKS: dict[str, tuple[str, float, float]] = {
    **{key: _PLACES["city centre"] for key in (
        "minster", "sunderland minster", "the bridges", "bridges shopping centre", "keel square", "park lane",
        "fawcett street", "high street west", "winter gardens", "mowbray park", "empire theatre", "the empire",
        "sunderland museum", "city hall", "sunderland station", "central station")},
    **{key: ("Monkwearmouth", 54.9150, -1.3820) for key in (
        "stadium of light", "the stadium", "glass centre", "national glass centre", "st peters")},
    **{key: _PLACES["roker"] for key in ("seafront", "sea front", "roker pier", "the pier")},
    **{key: ("Sunderland Royal Hospital", 54.9040, -1.4150) for key in (
        "royal hospital", "sunderland royal", "the royal", "kayll road")},
}
_CLEAN = re.compile(r"[^a-z ]+")
FUZZY_FROM = 6  # names this long or longer may be misspelt by one letter ("milfield"), by two from 9


def _cleaned(text: str) -> str:
    return " " + " ".join(_CLEAN.sub(" ", text.lower().replace("-", " ")).split()) + " "


def find_place(text: str, *, fuzzy: bool = False) -> Place | None:
    """The area named in the text, longest name first ("hetton le hole" before "hetton"), or a
    landmark in it ("near the minster").

    With `fuzzy` (for an answer to "where are you?", whose words are all about the place), a
    name one letter out ("silksworh", "milfield", two for long names: "farringdun") is read
    as the area; in passing, only names written in full count ("i play poker" is not Roker).
    """
    cleaned = _cleaned(text)
    for names in (_PLACES, _LANDMARKS):
        # "sunderland" last: "red house, sunderland" is Red House
        for key in sorted(names, key=lambda k: (k == "sunderland", -len(k))):
            if f" {key} " in cleaned:
                name, lat, lon = names[key]
                return Place(name, lat, lon)
    if fuzzy:
        return _misspelt_place(cleaned.split())
    # In passing, a misspelt name counts only where a place is said to be: "a mens shed near silksworh"
    for match in _WHERE.finditer(cleaned):
        found = _misspelt_place(match.group(1).split())
        if found is not None:
            return found
    return None


_WHERE = re.compile(r"\b(?:near|nr|in|round|around|roond|by|from|live in|living in|lives in)\s+([a-z]+(?:\s+[a-z]+)?)")


def _misspelt_place(words: list[str]) -> Place | None:
    """The area whose name is closest to a run of these words, within one edit (two from nine letters)."""
    from community_directory.kinds import within_edits

    for key in sorted(_PLACES, key=len, reverse=True):
        size = len(key.split())
        if len(key.replace(" ", "")) < FUZZY_FROM:
            continue
        limit = 2 if len(key) >= 9 else 1
        for start in range(len(words) - size + 1):
            said = " ".join(words[start:start + size])
            if said[0] == key[0] and len(said) >= FUZZY_FROM - 1 and within_edits(said, key, limit):
                name, lat, lon = _PLACES[key]
                return Place(name, lat, lon)
    return None


def names_only_the_city(text: str) -> bool:
    """ "Anything in Sunderland?" is everywhere, not a move to the city's middle (but "Sunderland
    city centre" and "near the Minster, Sunderland" are the middle)."""
    return find_place(text) is not None and find_place(re.sub(r"sunderland", " ", text.lower())) is None


def place_words() -> frozenset[str]:
    """Every word of every area name ("red", "house", "castle"): said with a place, they are about
    where, not what, so text relevance leaves them out ("get out the house" is no Red House group)."""
    return _PLACE_WORDS


_PLACE_WORDS = frozenset(w for key in _PLACES for w in key.split()) | frozenset(
    w for name, _, _ in _PLACES.values() for w in _CLEAN.sub(" ", name.lower().replace("-", " ")).split())
