"""Reading a resident's own words for what matching needs: kinds, needs, what they said no to,
and who the activity is for. No model: reviewed patterns, so the engine can be driven from raw
text and the dialogue layer can check what the NLU heard.

What it guards against, from real texts (issue 15):
- "not": "im not a carer", "no im not after a job lol, just baby groups pls" - the need in a
  negated clause is excluded, not searched for;
- words about a person, not a need: "for my dad hes 84" (the dad is 84 and male; "dad" is not
  a parenting need), "he uses a walker" (a mobility aid, not walking), "partners back at work"
  (not a job need).

`read_request(text)` gives a RequestReading; `.apply(request)` puts it on a MatchRequest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from community_directory.kinds import get_kind, kinds_in_text, needs_of, normalise
from community_directory.matching import MatchRequest
from community_directory.needs import needs_in_text
from community_directory.person_facts import AboutPerson

# Clause breaks: a negation reaches to the end of its clause, not past "but" or "just".
_PUNCTUATION = re.compile(r"[.,;:!?()\n]+|\s-\s|\.\.\.")
_CLAUSE = re.compile(r"\b(but|just|only|instead|rather|though|although|however|and i|id like|i want|i would like)\b")
# A refusal is about what the person wants ("im not after a job", "dont want walking"), not about
# what someone else does ("the landlord wont do owt"), so the cues are first person or "not a/an/into".
_NEGATION = re.compile(
    r"\b((i|im|i am|ive|i have|i do|i does|i would|id|ill) (not|never)\b|not (a|an|after|into|interested|looking"
    r"|bothered|keen|fussed on|for me|really into)\b|(i|we) (dont|do not|didnt|wont|would not|wouldnt) "
    r"(want|need|fancy|like|do|care for)\b|dont (want|need|fancy)\b|no more\b|rather not\b|nothing to do with"
    r"|nothing (with|for|involving)\b|without\b|no thanks\b|(i|we) (hate|cant stand)\b|not\s*$"
    # "im not one for sitting in a circle", "not a fan of", "cant be doing with"
    r"|not (really )?(one for|the type|the sort|a fan of|big on|a big fan of)\b|cant be doing with\b)"
)
# "no X" is a refusal only for these: "no money", "no friends", "no food" are needs, not refusals.
_NO_THANKS = re.compile(r"\bno\s+(jobs?|work stuff|volunteering|carers|carer stuff|exercise|sport|groups? for kids"
                        r"|kids stuff|baby stuff|church|religion|computers?)\b")
# Negated on purpose but meaning the need: "not working" means out of work.
_NOT_A_REFUSAL = re.compile(r"\b(not working|not in work|out of work|cant work|cant find (a )?(job|work)"
                            r"|dont have (a )?(job|work)|not coping|cant cope|dont know anyone|not sleeping"
                            r"|not got (any|many|a lot of) (friends|mates)|dont have (any|many) (friends|mates)"
                            r"|dont get out|dont see anyone|never see anyone|never go out|cant afford)\b")

_MALE = {"dad", "father", "grandad", "granddad", "grandpa", "husband", "hubby", "son", "brother", "uncle", "partner_he",
         "fella", "boyfriend", "nephew", "grandson"}
_FEMALE = {"mum", "mam", "mom", "mother", "nan", "nana", "nanna", "gran", "grandma", "granny", "wife", "missus", "daughter",
           "sister", "auntie", "aunt", "girlfriend", "niece", "granddaughter"}
# Grown-ups an activity may be for. Children are left out: "for my kids" is a parent's need.
_OTHERS = (_MALE | _FEMALE | {"partner", "friend", "neighbour", "neighbor"}) - {"son", "daughter", "grandson",
                                                                              "granddaughter", "nephew", "niece"}
_RELATION = "|".join(sorted(_OTHERS - {"partner_he"}, key=len, reverse=True))
# "for my dad", "my mam wants", "my husband needs", "taking my nan", "my dad hes 84"
_FOR_OTHER = re.compile(rf"\b(for|taking|take|bring|help|helping|get|getting) (my|our|me|wor) ({_RELATION})s?\b"
                        rf"|\b(?:my|me|our|wor|the) ({_RELATION}) (wants|needs|would|is|hes|shes|gets|could|likes|loves|used|has|hasnt"
                        rf"|sits|does|doesnt|cant|can|got|wont|keeps|misses|never|only)\b"
                        rf"|\b(?:something|summat|owt|anything|company|somewhere|a group|groups?) for (him|her)\b"
                        # "my dad's 79", "my neighbour's a widower" (apostrophes are dropped: "dads 79")
                        rf"|\b(?:my|me|our|wor) ({_RELATION})s? (?:a|an|\d{{2,3}})\b")
# A relation named in passing ("my dad", "our lass") is a person, not a parenting need.
_RELATION_WORDS = re.compile(rf"\b(my|our|his|her|me|wor) ({_RELATION})s?\b")
# A child or teenager with an age ("my lad hes 14", "my daughter is 15"): the activity is for them.
_CHILDREN = {"lad": "male", "son": "male", "boy": "male", "grandson": "male", "nephew": "male", "lass": "female",
             "daughter": "female", "girl": "female", "granddaughter": "female", "niece": "female", "kid": None,
             "teenager": None, "teen": None, "bairn": None, "child": None}
_CHILD_AGED = re.compile(rf"\b(?:my|me|our|wor) ({'|'.join(_CHILDREN)})s?\b(?:\s+\w+){{0,4}}?\s+"
                         r"(?:(?:hes|he is|shes|she is|is|aged|age|who is|whos|thats)\s+)?(\d{1,2})\b(?!\s*(?:quid|pound|mile|min|hour))")
# The same said with no "my": "grandson is 10 n bored", "grandsons 10" (apostrophes are dropped).
_CHILD_AGED_BARE = re.compile(rf"\b({'|'.join(_CHILDREN)})s?\s+(?:(?:is|hes|shes|whos|aged|age|just turned|turned)\s+)?"
                              r"(\d{1,2})\b(?!\s*(?:quid|pound|mile|min|hour|o ?clock|am|pm))")
# Someone close has died: "me dad passed", "lost my wife", "since my husband died". A bereavement,
# and about the person texting (not an activity for the one who died).
# A child's age said as "my 2 year old", "me 18 month old", "our 3yo".
_CHILD_YEARS = re.compile(r"\b(?:my|me|our|wor) (\d{1,2}) ?(years?|yrs?|months?|weeks?|yo|mo)(?: old)?\b")
_DEATH = r"(?:died|passed|passed away|passed on|has passed|has died|went|is gone|was taken)"
# A pet is grieved for too: "me dog died last week, im in bits".
_GRIEVED = rf"{_RELATION}|son|daughter|child|baby|bairn|dog|cat|pet|budgie|horse|puppy|kitten"
_BEREAVED = re.compile(rf"\b(?:my|me|our|wor|the) (?:late )?({_GRIEVED})s? (?:\w+ ){{0,2}}?{_DEATH}\b"
                       rf"|\blost (?:my|me|our|wor|the) ({_GRIEVED})\b"
                       r"|\b(?:death of|funeral|since (?:he|she) (?:died|passed))\b")
_SELF_GENDER = re.compile(r"\b(?:im|i am|as) an? (man|woman|bloke|lad|lass|guy|gent|fella|lady|girl|mum|mam|dad)\b")
_MALE_WORDS = {"man", "bloke", "lad", "guy", "gent", "fella", "dad"}
_RELATION_AGE = re.compile(rf"\b(?:{_RELATION})s?,? (?:is |who is |aged )?(\d{{2,3}})\b(?! (?:quid|pounds?|miles?|mins?|minutes|hours))")
_THEIR_AGE = re.compile(r"\b(?:hes|he is|shes|she is|theyre|they are|aged|age)\s+(\d{1,3})\b")
_YEARS_OLD = re.compile(r"\b(\d{1,3})\s*(?:years? old|yrs? old|yo)\b")
_MY_AGE = re.compile(r"\b(?:im|i am|i turned|i will be|ill be)\s+(\d{1,3})\b"
                     r"|\b(?:im|i am) an? (?:man|woman|bloke|lad|lass|guy|gent|fella|lady|mum|mam|dad) (?:of |aged )?(\d{2})\b"
                     r"|\b(\d{2}) (?:year old|yr old|yo) (?:man|woman|bloke|lad|lass|guy|gent|fella|lady|mum|mam|dad)\b")
_DECADE = re.compile(r"\b(?:in (?:his|her|my|their) )(\d)0s\b")
_CARER_YES = re.compile(r"\b(im a carer|i am a carer|i care for|i look after|im looking after|i am looking after"
                        r"|caring for my|full time carer|unpaid carer)\b")
_CARER_NO = re.compile(r"\b(not a carer|dont care for anyone|dont look after anyone|im not caring)\b")
_PARENT_YES = re.compile(r"\b(my (kids|children|baby|toddler|little one|bairns?|son|daughter|lad|lass)"
                         r"|im a (mum|mam|dad|parent|single parent)|i am a (mum|mam|dad|parent)|pregnant)\b")
_PARENT_NO = re.compile(r"\b(no kids|dont have (any )?(kids|children)|no children|not a (mum|mam|dad|parent))\b")
_WHEELCHAIR = re.compile(r"\b(wheelchair|wheel chair|mobility scooter)\b")
_WALKING_AID = re.compile(r"\b((a|my|his|her|the|uses|use|with|on) (walker|zimmer)|zimmer|walking (stick|frame|aid)"
                          r"|crutches|rollator)\b")
_LIMITED = re.compile(r"\b(bad (knee|knees|hip|hips|back|legs?|feet)|cant walk (far|much|very far)"
                      r"|arthritis|bad on (his|her|my) feet|not (very )?mobile|mobility)\b")
# Said about circumstances, not needs: "partners back at work", "after work", "from work",
# "just moved here for work" (why they are here, not a job wanted), "me marriage broke up" (not skint).
_CIRCUMSTANCE = re.compile(r"\b((cant|can not|cannot|how to|how do i|dont know how to|get it to|make it) work"
                           r"( it| the| this| that| my| out)?"
                           r"|(back )?at work|after work|before work|from work|finish work|off work"
                           r"|works (nights|days|shifts|full time|part time)|have one|had one"
                           # when they are busy, not a job wanted: "i work days", "i work till 5", "cos of work"
                           r"|(i|im|i am|he|she|we) work(s|ing)? (nights|days|shifts|full time|part time|weekdays|till|until|til)"
                           r"|(cos|cause|coz|because|due to) of (work|my job|me job)|around (my |me )?work"
                           r"|(moved|came|come|relocated|here|up|down|over) (here |up |down |over )?for (work|a job|my job|the job"
                           r"|his job|her job|their job)"
                           r"|broke (up|down|into|my|me|his|her|the|our|it)"
                           # who someone is or was, not what they want: "a learning disability" is no
                           # course, "me dad worked in the shipyards" no job wanted
                           r"|learning (disabilit\w*|difficult\w*|disabled)|worked|used to work"
                           # how far they can get, not a walk wanted
                           r"|(within |in )?walking distance|walk(ing)? (there|to it)|bus ride"
                           r"|no (family|kids|children|bairns))\b")
_LANGUAGE = re.compile(r"\b(?:i speak|we speak|(?:he|she) speaks|speaks|speak|in) (arabic|polish|kurdish|farsi|urdu|bengali"
                       r"|punjabi|romanian|portuguese|chinese|mandarin|cantonese|tigrinya|turkish|somali|ukrainian"
                       r"|russian|lithuanian|latvian|slovak|czech|spanish|french)\b"
                       r"|\b(arabic|polish|kurdish|farsi|urdu|bengali|punjabi|romanian|ukrainian) (speaking|speaker)\b")


# Where someone is from says which community group may suit them: "im kurdish", "from syria".
_ORIGIN_LANGUAGE = {
    "kurdish": "kurdish", "kurdistan": "kurdish", "polish": "polish", "poland": "polish", "syrian": "arabic",
    "syria": "arabic", "iraqi": "arabic", "iraq": "arabic", "sudanese": "arabic", "sudan": "arabic", "yemeni": "arabic",
    "yemen": "arabic", "arab": "arabic", "romanian": "romanian", "romania": "romanian", "ukrainian": "ukrainian",
    "ukraine": "ukrainian", "lithuanian": "lithuanian", "lithuania": "lithuanian", "iranian": "farsi", "iran": "farsi",
    "afghan": "farsi", "afghanistan": "farsi", "eritrean": "tigrinya", "eritrea": "tigrinya",
    # where home is, said by its city ("im from krakow originally", "we came from aleppo")
    "krakow": "polish", "warsaw": "polish", "gdansk": "polish", "poznan": "polish", "wroclaw": "polish",
    "lodz": "polish", "damascus": "arabic", "aleppo": "arabic", "homs": "arabic", "baghdad": "arabic",
    "basra": "arabic", "khartoum": "arabic", "erbil": "kurdish", "sulaymaniyah": "kurdish", "kabul": "farsi",
    "tehran": "farsi",
}
# The community group for a language, when the directory has a kind for it.
_COMMUNITY_KIND = {"polish": "polish_group", "kurdish": "kurdish_group"}
# Missing home or wanting their own people: with where they are from, a community group is asked for
# ("would love to chat with people from home", "we miss our food and music").
_OWN_PEOPLE = re.compile(r"\b(miss(?:es|ing)?|from home|back home|people|folk|community|meet|chat|friends|speak|language)\b")
_ORIGIN_ADJECTIVES = "|".join(k for k in _ORIGIN_LANGUAGE if k.endswith(("n", "sh", "qi", "ni", "se", "ab")))
_ORIGIN = re.compile(
    rf"\b(?:im|i am|were|we are|hes|he is|shes|she is|theyre|they are) ({_ORIGIN_ADJECTIVES})\b"
    rf"|\b(?:from|born in|grew up in|moved from|came from) ({'|'.join(_ORIGIN_LANGUAGE)})\b"
    rf"|\b(?:other )?({_ORIGIN_ADJECTIVES}) (?:people|folk|community|families|speakers|women|men|lads|mums)\b")


# Something the person already goes to ("i go to the mens shed on mondays", "ive been going to
# the knit and natter"): what they like, not what they are asking for. Its clause runs to the next
# wish ("..., want summat at the weekend an all").
_ATTENDING = re.compile(r"^(?:(?:and|but|so|well|aye|yes|yeah|i mean)\s+)?(?:i|we|me and \w+|my \w+ and i)\s+"
                        r"(?:already\s+|currently\s+|usually\s+|still\s+|sometimes\s+)?"
                        r"(?:go|goes|attend|ve been going|ve been|have been going|have been|been going|do)\s+"
                        r"(?:to\s+)?(?:the|a|an|that|this)\s")
_ATTENDING_ALSO = re.compile(r"^(?:ive|i have|weve|we have)\s+(?:already\s+)?(?:been going|been)\s+to\s+(?:the|a|an)\s")
_WISH_STARTS = re.compile(r"\b(?:want|wanting|looking for|fancy|would like|need|needing|after)\b")
# Wanting something other than what they already go to ("summat else", "something different"), or
# more of the same ("another one nearer", "one like it").
_SOMETHING_ELSE = re.compile(r"\b(?:else|different|(?:something|summat|owt|anything) new)\b")
_MORE_OF_IT = re.compile(r"\b(?:another one|another like|one like (?:it|that)|similar|same sort|same kind)\b")


def attending_part(clause: str) -> tuple[str, str]:
    """(what they already go to, the rest) of one normalised clause; ("", clause) when it says none."""
    if not (_ATTENDING.search(clause) or _ATTENDING_ALSO.search(clause)):
        return "", clause
    wish = _WISH_STARTS.search(clause)
    if wish is None:
        return clause, ""
    return clause[:wish.start()].strip(), clause[wish.start():].strip()


def attending_clauses(text: str) -> list[str]:
    """The clauses of a message that say what the person already goes to, normalised."""
    return [part for part in (attending_part(c)[0] for c in _clauses(text)) if part]


def without_attending(text: str) -> str:
    """The message without what they already go to (normalised clauses), or as it is when it says none."""
    if not attending_clauses(text):
        return text
    return ". ".join(part for part in (attending_part(c)[1] for c in _clauses(text)) if part)


@dataclass
class RequestReading:
    """What one message (or several joined) says for matching."""

    needs: list[str] = field(default_factory=list)  # broad needs, read with care
    kinds: list[str] = field(default_factory=list)  # named kinds asked for
    excluded_needs: list[str] = field(default_factory=list)
    excluded_kinds: list[str] = field(default_factory=list)
    about_person: AboutPerson = field(default_factory=AboutPerson)
    for_someone_else: bool = False
    relation: str | None = None  # "dad", when for someone else
    text: str = ""  # the words worth searching for: refusals and person facts taken out
    misread_needs: list[str] = field(default_factory=list)  # needs a plain keyword net would wrongly find
    attending_kinds: list[str] = field(default_factory=list)  # kinds they already go to ("i go to the mens shed")

    def apply(self, request: MatchRequest) -> MatchRequest:
        """Add this reading to a request: needs and kinds joined, exclusions and facts filled in."""
        request.kinds = list(dict.fromkeys([*request.kinds, *self.kinds]))
        request.excluded_needs = list(dict.fromkeys([*request.excluded_needs, *self.excluded_needs]))
        request.excluded_kinds = list(dict.fromkeys([*request.excluded_kinds, *self.excluded_kinds]))
        drop = set(self.excluded_needs) | set(self.misread_needs)
        request.needs = [n for n in dict.fromkeys([*request.needs, *self.needs]) if n not in drop]
        request.text = " ".join(filter(None, [request.text, self.text]))
        known = AboutPerson.of(request.about_person).as_dict()
        request.about_person = AboutPerson.of({**self.about_person.as_dict(), **known})
        request.for_someone_else = request.for_someone_else or self.for_someone_else
        return request


# A plain "not" starts a refusal inside a clause ("the debt one not energy"), but not in a question
# ("is there not a mens shed") or a need said plainly ("not coping", "not working").
_NOT_SPLIT = re.compile(r"(?<!\bthere )(?<!\bwhy )(?<!\bif )(?<!\bor )(?<!\bwhether )(?=\bnot\b)")


_QUESTION_NOT = re.compile(r"\b(is there not|isnt there|is there no|are there not|arent there|are there no)\b")


def _clauses(text: str) -> list[str]:
    """Normalised clauses: split at punctuation first (normalising drops it), then at "but", "just"...,
    then before a "not" that starts a refusal midway."""
    found = []
    for piece in _PUNCTUATION.split(text or ""):
        for part in _CLAUSE.split(normalise(piece)):
            if not part or not part.strip() or _CLAUSE.fullmatch(part.strip()):
                continue
            for bit in _NOT_SPLIT.split(_QUESTION_NOT.sub("is there", part.strip())):
                if bit.strip():
                    found.append(bit.strip())
    return found


def _person(lowered: str, for_other: bool, relation: str | None) -> AboutPerson:
    about = AboutPerson()
    if for_other:
        if relation in _MALE:
            about.gender = "male"
        elif relation in _FEMALE:
            about.gender = "female"
        age = _THEIR_AGE.search(lowered) or _YEARS_OLD.search(lowered) or _RELATION_AGE.search(lowered)
        if age:
            about.age = int(age.group(1))
    else:
        said = _SELF_GENDER.search(lowered)
        if said:
            about.gender = "male" if said.group(1) in _MALE_WORDS else "female"
            if said.group(1) in ("mum", "mam", "dad"):
                about.is_parent = True
        age = _MY_AGE.search(lowered) or _YEARS_OLD.search(lowered)
        if age:
            about.age = int(next(g for g in age.groups() if g))
        if _CARER_NO.search(lowered):
            about.is_carer = False
        elif _CARER_YES.search(lowered):
            about.is_carer = True
        if _PARENT_NO.search(lowered):
            about.is_parent = False
        elif _PARENT_YES.search(lowered):
            about.is_parent = True
    if about.age is None:
        decade = _DECADE.search(lowered)
        if decade:
            about.age = int(decade.group(1)) * 10 + 5
    if about.age is not None and not 0 < about.age < 120:
        about.age = None
    if _WHEELCHAIR.search(lowered):
        about.mobility = "wheelchair"
    elif _WALKING_AID.search(lowered):
        about.mobility = "walking_aid"
    elif _LIMITED.search(lowered):
        about.mobility = "limited"
    language = _LANGUAGE.search(lowered)
    if language:
        about.language = language.group(1) or language.group(2)
    else:
        origin = _ORIGIN.search(lowered)
        if origin:  # "im kurdish", "from poland": their own community's language, when a group speaks it
            about.language = _ORIGIN_LANGUAGE[next(g for g in origin.groups() if g)]
    return about


# Words that ask for help as a parent, even when a child is named ("parenting support for me and my lad").
_PARENTING_ASKED = re.compile(r"\b(parenting|as a (parent|mum|mam|dad)|for (me and|us and) (my|me|our)|with (my|me|our) "
                              r"(kids|children|bairns|son|daughter|lad|lass))\b")
_SESSION_WORDS = re.compile(r"\b(class|classes|course|courses|lesson|lessons|session|sessions)\b")
# "I care for my dad", "im looking after me mam": the person is a carer, whoever they care for.
_I_CARE = re.compile(r"\b(?:i|im|i'm|i am|ive been|i've been)\s+(?:a\s+)?(?:care for|caring for|look after|looking after|carer)\b")


# Said about the one texting, after naming someone else: "i want summat for me", "i just want a hobby".
_FOR_ME = re.compile(r"\b(?:for|just for) (?:me|myself|meself)\b(?! and)"
                     r"|\b(?:i|im|i am) (?:just )?(?:want|need|fancy|would like|after|looking for) (?:a |some )?"
                     r"(?:hobby|something|summat|somewhere|to get out|to meet)\b(?! (?:for|to take) (?:him|her|them|my|me))")
_FOR_THEM = re.compile(r"\b(?:for|get|take|bring|help|with) (?:him|her|them)\b")
_HE_WORDS = {"he", "hes", "him", "his", "widower"}
_THEIR_GENDER = re.compile(r"\b(he|hes|him|his|widower|she|shes|her|widow)\b")


# "Not a groups person", "i dont do groups": someone who will not sit in a group and talk. A link
# worker offers something to do (a shed, walking football, a garden) or one-to-one, not a room of chat.
_NOT_GROUPS = re.compile(r"\b(?:not (?:really |much of )?(?:a |one for |into |big on |keen on |fussed on )?groups?"
                         r"(?: person| sort| type| man| woman| lad)?|(?:dont|do not|wont|cant) (?:do|stand|like) groups?"
                         r"|hate groups?|groups (?:arent|are not|isnt) (?:for me|my thing))\b")
_TALKING_KINDS = ("friendship", "coffee_morning", "mental_health_group")


def read_request(text: str) -> RequestReading:
    """Kinds, needs, refusals and person facts in a resident's message."""
    lowered = normalise(text)
    reading = RequestReading()
    bereaved = _BEREAVED.search(lowered)
    relation_match = _FOR_OTHER.search(lowered)
    if relation_match and bereaved and relation_match.start() >= bereaved.start() and relation_match.end() <= bereaved.end():
        relation_match = None  # "my partner has died": about the one texting
    if relation_match and not relation_match.group(1) and _FOR_ME.search(lowered) and not _FOR_THEM.search(lowered):
        relation_match = None  # "my wife has dementia ... i want summat for me": for the one texting
    reading.for_someone_else = bool(relation_match)
    if relation_match:
        reading.relation = next((g for g in relation_match.groups()[2:] if g), None) or None
        if reading.relation in (None, "him", "her"):
            reading.relation = None
    reading.about_person = _person(lowered, reading.for_someone_else, reading.relation)
    if relation_match and reading.relation is None and reading.about_person.gender is None:
        pronoun = relation_match.groups()[5]  # "company for her"
        reading.about_person.gender = {"him": "male", "her": "female"}.get(pronoun or "")
    if reading.for_someone_else and reading.about_person.gender is None:
        # "my neighbours a widower, he never goes out": the words about them say which
        said = _THEIR_GENDER.search(lowered[relation_match.start():] if relation_match else lowered)
        if said:
            reading.about_person.gender = "male" if said.group(1) in _HE_WORDS else "female"
    child = _CHILD_AGED.search(lowered) or _CHILD_AGED_BARE.search(lowered)
    if (not reading.for_someone_else or reading.relation is None) and child and 4 <= int(child.group(2)) <= 17:
        # "anything for my lad hes 14": for the lad, who is 14 (the sender is a parent, not the one going)
        reading.for_someone_else, reading.relation = True, child.group(1)
        about = _person(lowered, True, None)
        about.age, about.gender = int(child.group(2)), _CHILDREN[child.group(1)]
        reading.about_person = about
    little = None
    aged = _CHILD_YEARS.search(lowered)
    if aged and not reading.for_someone_else:
        # "somethin for me 2 year old": the 2 is the child's age, not the sender's
        years = 0 if (aged.group(2) or "").startswith(("month", "week", "mo")) else int(aged.group(1))
        if years < 5:
            little = reading.about_person = _person(_CHILD_YEARS.sub(" ", lowered), False, None)
            little.is_parent = True
        elif years < 18:
            reading.for_someone_else, reading.relation = True, "child"
            reading.about_person = _person(_CHILD_YEARS.sub(" ", lowered), True, None)
            reading.about_person.age = years

    positive: list[str] = []
    attending: list[str] = []
    for clause in _clauses(text):
        going, clause = attending_part(clause)
        if going:
            attending.append(going)
        # What is left once person facts and circumstances are taken out is what they want.
        clause = _RELATION_WORDS.sub(" them ", clause)
        clause = _WALKING_AID.sub(" ", _WHEELCHAIR.sub(" ", _LIMITED.sub(" ", clause)))
        clause = " ".join(_CIRCUMSTANCE.sub(" ", clause).split())
        if not clause:
            continue
        refused = ((bool(_NEGATION.search(clause)) or clause.startswith("not ")) and not _NOT_A_REFUSAL.search(clause)
                   ) or bool(_NO_THANKS.search(clause))
        if refused:
            reading.excluded_needs += needs_in_text(clause)
            reading.excluded_kinds += kinds_in_text(clause)
        else:
            positive.append(clause)
    if _NOT_GROUPS.search(lowered):
        reading.excluded_kinds += list(_TALKING_KINDS)
    if reading.about_person.is_carer is False:
        reading.excluded_needs.append("carers")
        reading.excluded_kinds.append("carers_group")
    if reading.about_person.is_parent is False:
        reading.excluded_kinds += ["baby_group", "dads_group"]
    kept = " ".join(positive)
    # What they already go to says what they like; it is asked for again only when they do not say
    # they want something else ("i go to the knit and natter, want summat else": not another one).
    reading.attending_kinds = [k for k in kinds_in_text(" ".join(attending)) if k not in reading.excluded_kinds]
    if reading.attending_kinds and _SOMETHING_ELSE.search(kept):
        reading.excluded_kinds += [k for k in reading.attending_kinds if k not in kinds_in_text(kept)]
    reading.kinds = [k for k in kinds_in_text(kept) if k not in reading.excluded_kinds]
    if _MORE_OF_IT.search(kept):
        reading.kinds += [k for k in reading.attending_kinds if k not in reading.kinds]
    # The needs named in words; a kind's own needs only when no need was named ("mens shed"),
    # so "painting or crafts" stays arts and crafts rather than also "meeting people".
    if bereaved and "bereavement" not in reading.excluded_kinds and "bereavement" not in reading.kinds:
        reading.kinds.append("bereavement")
    # A child or teenager is the one going ("my son's 12, anything for kids his age"): "kids" says who
    # it is for, not a parent's need, and groups for parents (a dads' group, stay and play) are not for them.
    # A child under 11 goes with a parent: family groups, not baby groups once they are at school.
    child_age = reading.about_person.age if reading.for_someone_else else None
    for_child = (child_age is not None and child_age < 18 and not _PARENTING_ASKED.search(kept)
                 and "baby_group" not in reading.kinds)
    school_child = for_child and child_age is not None and child_age < 11
    if school_child:
        reading.about_person.is_parent = True
        if (child_age or 0) >= 5:
            reading.excluded_kinds += [k for k in ("baby_group",) if k not in reading.excluded_kinds]
            reading.kinds = [k for k in reading.kinds if k != "baby_group"]
        for_child = False
    if for_child:
        reading.about_person.is_parent = False
        reading.excluded_kinds += [k for k in ("baby_group", "dads_group") if k not in reading.excluded_kinds]
        reading.kinds = [k for k in reading.kinds if k not in ("baby_group", "dads_group")]
    young_self = not reading.for_someone_else and 11 <= (reading.about_person.age or 0) < 18  # "im 16 and bored"
    if ((for_child or young_self) and 11 <= (reading.about_person.age or 0)
            and "youth_club" not in reading.excluded_kinds and "youth_club" not in reading.kinds):
        reading.kinds.append("youth_club")  # a teenager: groups for young people first, whatever the need
    if little is not None and "baby_group" not in reading.excluded_kinds and "baby_group" not in reading.kinds:
        reading.kinds.append("baby_group")  # a baby or toddler with their parent
    # Where they are from and missing home, or wanting people of their own: their community's group
    # (a Kurdish evening for "we're from kurdistan, we miss our food and music").
    community = _COMMUNITY_KIND.get(reading.about_person.language or "")
    origin_said = _ORIGIN.search(lowered) is not None or _LANGUAGE.search(lowered) is not None
    if (community and origin_said and _OWN_PEOPLE.search(kept) and community not in reading.kinds
            and community not in reading.excluded_kinds):
        reading.kinds.append(community)
    kind_needs = [n for k in reading.kinds for n in get_kind(k).needs]
    # "tai chi classes" is tai chi, not a learning need: words for any kind of session say nothing
    # about the need once a kind is named.
    said_needs = needs_in_text(_SESSION_WORDS.sub(" ", kept) if reading.kinds else kept)
    if for_child:
        said_needs = [n for n in said_needs if n != "parenting"]
    if school_child and not reading.kinds and not [n for n in said_needs if n != "loneliness"]:
        # "anything for my 8 year old", "grandson is 10 n bored": something to do together, and
        # "bored" there is the child's, so family groups rather than adults' social groups
        said_needs = ["parenting"]
    if not said_needs and not kind_needs and attending:
        # "i go to the mens shed on mondays, want summat at the weekend an all": more of what they like
        said_needs = needs_in_text(" ".join(attending)) or needs_of(reading.attending_kinds)
    reading.needs = list(dict.fromkeys(said_needs or kind_needs))
    if community in reading.kinds and "faith_culture" not in reading.needs:
        reading.needs.append("faith_culture")  # the culture need is what the community group is for
    if _I_CARE.search(lowered) and reading.about_person.is_carer is not False and "carers" not in reading.needs:
        reading.needs.append("carers")
    reading.excluded_needs = [n for n in dict.fromkeys(reading.excluded_needs) if n not in reading.needs]
    reading.excluded_kinds = list(dict.fromkeys(reading.excluded_kinds))
    reading.misread_needs = [n for n in needs_in_text(lowered) if n not in reading.needs]
    reading.text = kept
    return reading


def request_from_text(text: str, **settings: object) -> MatchRequest:
    """A MatchRequest read from raw text; settings (lat, lon, today, limit...) as MatchRequest takes them."""
    return read_request(text).apply(MatchRequest(**settings))  # type: ignore[arg-type]
