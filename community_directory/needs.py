"""The needs and interests a resident can name, shared by the NLU data, matching and reports.

Keys are stable identifiers: they are NLU entity values, taxonomy term codes in the demo
directory and the groups in outcome reports, so renaming one is a data migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    key: str
    label: str  # plain words a resident would recognise, used in bot messages
    keywords: tuple[str, ...]  # lower-case stems used by the text fallback and search


NEEDS: tuple[Need, ...] = (
    Need("loneliness", "meeting people", ("lonely", "alone", "friend", "company", "social", "chat", "isolat", "meet people", "lunch club", "coffee morning",
                                             "on my own", "by myself", "nobody to talk", "no one to talk", "noone to talk", "see anyone", "get out of the house", "get out the house",
                                             # typos and text-speak; meeting people in other words
                                             "lonley", "lonly", "loney", "mates", "meet new", "meet other", "meeting new", "meeting other",
                                             "make friends", "new friends", "someone to talk", "people to talk", "talk to people", "get out more",
                                             "get me out", "out and about", "natter", "meet some", "meet a few", "meet anyone", "meet folk",
                                             "on me own", "by meself", "company for", "meet up", "meetup", "get together",
                                             # stuck indoors, in dialect too ("stir crazy in the hoose")
                                             "stir crazy", "cabin fever", "climbing the walls", "out the hoose", "out of the hoose",
                                             "four walls", "sat in all day", "sits in all day", "bored",
                                             # new to the area: nobody to meet yet
                                             "new to the area", "new here", "new round here", "just moved", "moved here",
                                             "moved up here", "dont know a soul", "don't know a soul",
                                             # time to fill, and being with others in other words
                                             "sociable", "socialis", "socializ", "see a soul", "pals ", "pal ", "buddies",
                                             "dont get out", "don't get out", "never get out", "not getting out", "cant get out",
                                             "to get out and", "get out a bit", "get out now and then",
                                             "new to sunderland", "new in sunderland", "new in town", "not from round here", "just moved to", "something to fill", "summat to fill",
                                             "fill my time", "fill me time", "fill the time", "fill my days", "fill me days",
                                             "fill the days", "fill my evenings", "fill me evenings", "fill the evenings",
                                             # groups for people like them: deaf or hard of hearing, LGBT+
                                             "deaf", "hard of hearin", "hearing aid", "bsl ", "sign language",
                                             "lgbt", "gay ", "lesbian", "queer", "bisexual", "transgender", "trans ",
                                             "non binary", "nonbinary",
                                             # somewhere warm to sit, with others
                                             "warm space", "warm hub", "warm place", "warm room", "somewhere warm",
                                             # nobody to talk to, said as how the days are ("havent spoke to a soul")
                                             "hermit", "havent spoke to", "havent spoken to", "not spoke to", "not spoken to",
                                             "havent talked to", "not talked to", "havent seen a soul", "not seen a soul",
                                             # groups for older people, asked for as such ("owt for pensioners?")
                                             "pensioners", "old folk", "older folk", "older people", "old people", "the elderly",
                                             "oaps")),
    Need("physical_activity", "getting active", ("walk", "exercise", "active", "fit", "sport", "swim", "dance", "yoga", "gym", "football", "keep fit",
                                                     # sports by name ("running" alone is also "running since 1990" in a listing)
                                                     "excercise", "running club", "run club", "parkrun", "jog", "cycling", "bowls", "bowling",
                                                     "netball", "rugby", "cricket", "tennis", "badminton", "golf", "boxing", "pilates", "zumba",
                                                     "tai chi", "aerobics", "climbing", "footy", "footie",
                                                     # weight, said as the reason ("need to lose weight", "a slimming club")
                                                     "slimming", "lose weight", "lose some weight", "lose a bit of weight",
                                                     "losing weight", "weight loss")),
    Need("creative", "arts and crafts", ("art", "craft", "paint", "draw", "knit", "sew", "music", "sing ", "singing", "singer", "sings ", "choir", "write", "photo",
                                           "pottery", "crochet", "guitar", "piano", "ukulele", "brass band", "drama", "poetry", "hobby", "hobbies",
                                           "creativ", "arty", "crafty", "making things", "make things", "woodwork",
                                           # hands-on, in other words (a men's shed, a garden group)
                                           "something practical", "summat practical", "owt practical", "hands on", "with my hands",
                                           "with me hands", "fixing things", "fix things", "making stuff", "tinkering")),
    Need("learning", "learning something new", ("learn", "course", "class", "study", "english", "reading", "maths", "history", "lecture",
                                                        "languages", "something new", "qualification", "esol")),
    Need("volunteering", "volunteering", ("volunteer", "help out", "give back", "charity shop",
                                             "volunt", "volenteer", "something useful", "make a difference", "litter pick")),
    Need("money", "money, debt and benefits", ("money", "debt", "benefit", "bills", "universal credit", "pip", "budget", "loan", "arrears", "skint", "broke",
                                                  # heating and forms, in residents' words
                                                  "leccy", "lecky", "heating", "heat the house", "heat me house", "heat my house",
                                                  "gas bill", "electric bill", "the meter", "prepayment",
                                                  "filling in forms", "fill in forms", "form filling", "forms filled", "allowance",
                                                  "pension credit", "council tax", "sanction")),
    Need("food", "food", ("food", "hungry", "meal", "food bank", "pantry", "cook", "eat",
                          # an empty kitchen in residents' words ("the cupboards are bare")
                          "cupboard", "fridge", "feed the kids", "feed my kids", "feed me kids", "feed the bairns",
                          "feed the family", "nowt to eat", "nothing to eat")),
    Need("housing", "housing", ("housing", "home", "rent", "landlord", "evict", "homeless", "damp", "council house",
                                   "mould", "mold")),
    Need("carers", "support for carers", ("carer", "caring", "look after", "looks after", "looking after", "care for my", "care for me ", "care for him", "care for her", "care for our", "dementia", "respite",
                                             "alzheimer", "do everything for him", "do everything for her")),
    Need("mental_wellbeing", "feeling better in yourself", ("stress", "anxious", "anxiety", "low", "depress", "worry", "mental", "wellbeing", "mood", "grief", "bereave",
                                                               "anxeity", "depresed", "cope", "coping", "fed up", "feeling down", "feel down",
                                                               "down in the dumps", "panic attack", "nerves", "confidence", "drinking too much", "alcohol",
                                                               "proper down", "really down", "so down", "bit down", "very down",
                                                               "dead down", "been down", "drink too much", "drink a bit too much",
                                                               "drinking a lot", "on the drink", "hit the bottle",
                                                               # grief said plainly, and staying off drink, drugs or gambling
                                                               "in bits", "heartbroken", "heart broken", "off the drink", "off the booze",
                                                               "off the drugs", "sober", "recovery", "addict", "gambling", "stay clean", "staying clean", "stopped drinking",
                                                               "quit drinking", "given up drinking", "give up drinking", "given up the drink",
                                                               "stopped the drink")),
    Need("parenting", "parents and families", ("parent", "mum", "dad", "baby", "toddler", "kids", "children", "family",
                                                "families", "bairn", "grandkid", "grandchild", "grandbairn", "little ones", "mams ",
                                                "young mam", "new mam", "single mam")),
    Need("employment", "work and jobs", ("job", "work", "employ", "cv", "interview", "career", "unemploy")),
    Need("digital_skills", "computers and phones", ("computer", "internet", "online", "digital", "laptop", "tablet", "smartphone", "email", "ipad",
                                                                "cumputer", "use my phone", "use a phone", "using my phone", "smart phone", "whatsapp",
                                                                "zoom", "facetime", "video call")),
    Need("outdoors", "gardening and outdoors", ("garden", "allotment", "outdoor", "nature", "grow", "the park", "a park", "parks", "country park", "parkland", "conservation", "beach", "fishing",
                                                "something practical", "summat practical", "owt practical", "hands on", "hands dirty", "fresh air",
                                                "bird", "wildlife")),
    Need("faith_culture", "faith and culture groups", ("church", "mosque", "temple", "faith", "pray", "culture", "community centre", "heritage", "gurdwara",
                                                            "refugee", "asylum", "my own language", "my language", "my country",
                                                            "people from my", "polish", "kurdish", "arabic", "ukrainian", "romanian")),
)

NEED_KEYS: frozenset[str] = frozenset(n.key for n in NEEDS)
_BY_KEY = {n.key: n for n in NEEDS}
# Keywords are word-start stems: "art" finds "artist" but not "start". One that ends in a space is a
# whole word ("sing " is not "single"), at the end of the text too.
_PATTERNS = {
    n.key: re.compile(r"\b(?:" + "|".join(re.escape(k.rstrip()) + (r"\b" if k.endswith(" ") else "")
                                           for k in n.keywords) + ")")
    for n in NEEDS
}


# Meeting people said with words between: "meet polish people", "meet like minded folk", "meet other mams".
_PATTERNS["loneliness"] = re.compile(
    _PATTERNS["loneliness"].pattern
    + r"|\bmeet(?:ing)?\s+(?:[a-z]+\s+){1,2}?(?:people|folk|ppl|mams|mums|dads|women|men|lads|lasses|others)\b"
)


def get_need(key: str) -> Need:
    """The need with this key; KeyError names the key when it is unknown."""
    return _BY_KEY[key]


# "Home" that is a country or being indoors, not a house: "miss people from home", "back home",
# "homesick", "stuck at home all day". The housing stem "home" stays for "losing my home".
_HOME_NOT_A_HOUSE = re.compile(
    r"\b(?:(?:from|back|at|in the)\s+|(?:miss(?:es|ed|ing)?|homesick for)\s+(?:[a-z]+\s+){0,3}?)(home)\b(?!less)"
    r"|\b(homesick\w*)"
)


def _home_elsewhere_blanked(lowered: str) -> str:
    """The text with each "home" that means a country or indoors blanked (positions kept)."""
    def blank(match: re.Match[str]) -> str:
        word = match.group(1) or match.group(2)
        start = match.start(1) if match.group(1) else match.start(2)
        offset = start - match.start()
        return match.group()[:offset] + " " * len(word) + match.group()[offset + len(word):]

    return _HOME_NOT_A_HOUSE.sub(blank, lowered)


def needs_in_text(text: str) -> list[str]:
    """Need keys whose keywords occur in free text, in NEEDS order.

    A second net under the NLU entity extractor, so a need the model misses in a long
    message is still kept.
    """
    lowered = _home_elsewhere_blanked(text.lower())
    return [n.key for n in NEEDS if _PATTERNS[n.key].search(lowered)]
