"""Suggesting community activities for a resident: the chatbot's matcher.

Two stages, so 100,000 listings answer in milliseconds:

1. SQL prefilter on the derived search index (search_index.py): active, not full, not past
   the verification grace period, inside the distance bounding box, meeting one of the needs.
2. Python scoring: a cheap score from what the prefilter returned (need fit, words, distance,
   fair spread), then details (schedules, cost, access, languages) loaded only for the best
   candidates, chunk by chunk, until no unread candidate could still make the top results.

What the person asked for comes first: a named kind of activity (kinds.py: "bereavement
group", "men's shed") found in a listing's name outranks any broad need and any distance, and
text relevance comes from the full-text index (text_search.py: FTS5 or PostgreSQL).

Hard rules (never offered): inactive or full listings, ones past the verification grace
period, outside max_miles, outside the age limits, known-inaccessible when access is needed,
not free when free_only, no session on the wanted days/times (when times are known), a kind
the person said they do not want, a need they said no to (unless the listing also fits what
they did ask for), and a group for people the person said they are not (a carers' group for
"I'm not a carer", a women's group for a man).
Penalties push down without ruling out: a group for carers, parents, women or men, or a
language community, when nobody said the person is one and they did not ask for it; a
physically demanding activity for someone with limited mobility or who asks for something gentle;
a listing whose own name says it is for something not asked for ("Job Club" filed under computers,
for help with an iPad), left out altogether when the person named a kind.
Soft preferences raise the score: language spoken, aimed at the person's age group,
confirmed step-free. Each match says why it was chosen (`reasons`, and `why` as one phrase).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from community_directory import verification
from community_directory.geography import bounding_box, distance_miles
from community_directory.kinds import corrected, get_kind, kind_keys, kinds_of_name, needs_of
from community_directory.listing_facts import (
    age_fit,
    first_sentence,
    hearing_loop,
    how_to_join,
    languages_offered,
    normalise_language,
    read_cost,
    wheelchair_access,
)
from community_directory.models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServicePoint,
)
from community_directory.needs import NEED_KEYS, get_need, needs_in_text
from community_directory.person_facts import AboutPerson
from community_directory.places import place_words
from community_directory.referrals import current_load, record_referral
from community_directory.schedules import Sessions, describe, matching_sessions, read_schedules, wanted_days
from community_directory.text_search import TextQuery, matching_rows, search_rows_matching

__all__ = ["DEFAULT_MAX_MILES", "AboutPerson", "Match", "MatchRequest", "find_matches", "record_referral"]

DEFAULT_MAX_MILES = 3.0
# A kind asked for by name with none of it within the usual distance: the nearest ones up to this
# far are offered too, as a link worker would ("the nearest Polish club is in Grindon, a bus ride").
KIND_REACH_MILES = 5.0
NO_TRANSPORT_MILES = 1.5  # walking distance when the person has no transport
MAX_UNLOCATED_CANDIDATES = 5000  # without a location there is no box to narrow by
MAX_WORDS = 6  # of the person's own words, for text relevance
DETAIL_CHUNK = 24  # first batch of candidates whose details are read; doubles each time

# Score weights: the cheap part, then what details can add. A named kind in a listing's name
# (W_KIND) is worth more than the best need, words and distance together can give.
W_KIND, KIND_ELSEWHERE = 1.2, 0.6  # kind words in the name / only in the description or terms
RELATED_SHARE = 0.3  # a related kind ("a wellbeing group" after "bereavement group") counts this much
W_NEED, W_TEXT, W_DISTANCE, W_FRESH = 0.45, 0.25, 0.30, 0.05
W_LANGUAGE, W_AGE, W_ACCESS, W_FREE = 0.10, 0.05, 0.05, 0.03
UNKNOWN_ACCESS_PENALTY = 0.05
UNLOCATED_DISTANCE_SCORE = 0.35  # phone or online: no journey, but not "near" either
FAIR_WEIGHT, FAIR_SLACK, FAIR_DEAD_ZONE = 0.25, 3.0, 1.0
# Who a group is for, when nobody said the person is one (see _audience_penalty).
P_NOT_SAID = 0.45  # carers, parents, women, men
P_LANGUAGE_GROUP = 0.2  # a language community or English class, no language said
P_DEMANDING = 0.45  # walking, running, football, dancing, for limited mobility
P_EXCLUDED_NEED = 0.35  # meets a need they said no to, as well as one they asked for
P_AGE_NOT_SAID = 0.8  # for young people only, no age said and no youth group asked for (most who text are adults)
P_OFF_TOPIC = 0.25  # its name says it is for something else ("Job Club" for help with an iPad)

_STOPWORDS = frozenset("""a an and are at be but by can do for from get go going group groups have i i'd i'm in
into is it its like me more my near need of on or out please some something somewhere that the there thing
things to want was what where with would you your just really help find looking local any
hello hiya hey yes yeah yep not good lol pls thanks ta ok okay alright""".split())


# Stemmed words, as _Asked.words holds them: asked for gentle, or a long-term condition that makes
# running and football a poor first offer ("ive got copd and get out of breath").
_GENTLE = re.compile(r"\b(gentl|balanc|wobbl|frail|steady on|copd|emphysema|breath|asthma|arthrit|fibromyalg"
                     r"|heart (condit|problem|attack|failur)|angina|chronic|long covid|poorly chest|bad chest)")


@dataclass
class MatchRequest:
    """One search. request_text.read_request fills the kinds, exclusions and person facts
    from a resident's own words; the NLU's slots may fill them too."""

    needs: list[str] = field(default_factory=list)  # keys from community_directory.needs
    text: str = ""  # free text, for relevance (leave out what the person said no to)
    kinds: list[str] = field(default_factory=list)  # named kinds asked for (kinds.py keys): outrank needs
    excluded_needs: list[str] = field(default_factory=list)  # "not after a job": never the reason for a match
    excluded_kinds: list[str] = field(default_factory=list)  # "no carers groups": never offered
    about_person: AboutPerson | dict[str, Any] | None = None  # who it is for (person_facts.AboutPerson)
    for_someone_else: bool = False  # "for my dad": about_person describes the dad, not the sender
    lat: float | None = None
    lon: float | None = None
    max_miles: float | None = None  # default DEFAULT_MAX_MILES (NO_TRANSPORT_MILES with no_transport)
    days: list[str] = field(default_factory=list)  # "monday".."sunday", "weekend", "weekdays"
    time_of_day: str | None = None  # morning | afternoon | evening
    free_only: bool = False
    access: list[str] = field(default_factory=list)  # wheelchair | mobility | no_transport | hearing
    age: int | None = None
    age_group: str | None = None  # young_people | adults | older_people
    language: str | None = None  # "arabic", "ar", ...
    exclude_ids: list[str] = field(default_factory=list)  # already shown
    limit: int = 3
    offset: int = 0
    today: date | None = None  # for verification staleness and referral decay; tests set it


@dataclass
class Match:
    service_id: str
    name: str
    organization: str
    description: str  # first sentence, at most ~140 characters
    when: str  # "Tuesdays 10am-11:30am"
    where: str  # "Hendon Community Rooms, SR2 8JZ"
    how_to_join: str  # "Just turn up - no need to book." / "Call 0191 498 0123"
    cost: str  # "Free" / "£2" / "Pay as you feel" / "Ask about cost"
    distance_miles: float | None  # None for phone/online listings
    reasons: list[str]  # ["bereavement group", "0.8 miles", "Tuesdays 10am", "free"]: plain, GSM-7, short
    is_demo: bool
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    needs: list[str] = field(default_factory=list)  # the requested needs it meets
    needs_checking: bool = False  # not confirmed by a curator for flag_months (or never)
    last_verified: date | None = None
    score: float = 0.0
    kind: str | None = None  # the named kind it was chosen for (kinds.py key), if any
    fits: list[str] = field(default_factory=list)  # the reasons that are not distance, time or cost

    @property
    def why(self) -> str:
        """The reasons as one short phrase: "bereavement group, 0.8 miles, Tuesdays 10am, free"."""
        return ", ".join(self.reasons)


@dataclass
class _Candidate:
    service_id: str
    name: str
    description: str | None
    location_id: str | None
    distance: float | None
    load: float
    verified: date | None
    needs: dict[str, str] = field(default_factory=dict)  # need key -> taxonomy | text
    audience: str | None = None  # listing_facts.audience_tags, space-separated
    kind: str | None = None  # the requested kind it is, if any
    kind_strength: float = 0.0  # 1.0 kind words in its name, KIND_ELSEWHERE in its other text
    excluded: bool = False  # meets a need the person said no to
    ages: tuple[float | None, float | None] = (None, None)  # minimum_age, maximum_age
    search_id: int | None = None  # its row in the full-text index
    text_score: float = 0.0  # share of the person's words in its text (name counts double)
    rough: float = 0.0
    final: float = 0.0
    facts: Any = None  # (Cost, wheelchair, AgeFit, speaks the language, hearing loop), from _score_details


def _stem(word: str) -> str:
    """Crude English stem, enough for word-start matching: walking/walks -> walk, knitting -> knit."""
    for suffix in ("ing", "ers", "ies", "er", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
        word = word[:-1]  # knitt -> knit, swimm -> swim (but not ball, class)
    return word


def _tokens(text: str) -> list[str]:
    """The person's words worth searching for: no stop words, and no words of place names, which
    say where (the distance counts that), not what: "out the house" must not find "Red House"."""
    words = re.findall(r"[a-z][a-z']+", text.lower())
    places = place_words()
    return [_stem(w) for w in dict.fromkeys(words) if len(w) >= 3 and w not in _STOPWORDS and w not in places]


@dataclass
class _Asked:
    """What the request asks for and rules out, worked out once from a MatchRequest."""

    needs: list[str]
    kinds: list[str]
    about: AboutPerson
    age: int | None
    age_group: str | None
    access: set[str]
    language: str | None
    words: list[str]
    excluded_needs: list[str]
    audience: set[str]  # audience tags the person asked for, so not held against them
    related: list[str] = field(default_factory=list)  # kinds to lift a little next (kinds.Kind.related)

    @classmethod
    def of(cls, req: MatchRequest) -> _Asked:
        about = AboutPerson.of(req.about_person)
        known_kinds = kind_keys()
        excluded_kinds = set(req.excluded_kinds)
        kinds = [k for k in dict.fromkeys(req.kinds) if k in known_kinds and k not in excluded_kinds]
        excluded_needs = [n for n in dict.fromkeys(req.excluded_needs) if n in NEED_KEYS]
        # The kinds' own needs fill in only when no need was given: they widen the candidates
        # (and the work) a lot, and a listing of the kind is found by its words anyway.
        needs = [n for n in dict.fromkeys(req.needs) if n in NEED_KEYS] or needs_of(kinds)
        if not needs and not kinds and req.text:
            needs = needs_in_text(req.text)
        needs = [n for n in needs if n not in excluded_needs]
        access = {a.strip().lower() for a in req.access}
        if about.mobility == "wheelchair":
            access.add("wheelchair")
        elif about.limited_mobility:
            access.add("mobility")
        language = normalise_language(req.language or about.language)
        audience = {tag for k in kinds for tag in get_kind(k).audience}
        audience |= {"carers"} if "carers" in needs else set()
        audience |= {"parents"} if "parenting" in needs else set()
        related = [r for k in kinds for r in get_kind(k).related if r not in kinds and r not in excluded_kinds]
        return cls(needs, kinds, about, req.age if req.age is not None else about.age,
                   req.age_group or about.age_group, access, language,
                   _tokens(corrected(req.text)) if req.text else [], excluded_needs, audience,
                   list(dict.fromkeys(related)))

    @property
    def limited_mobility(self) -> bool:
        return bool(self.access & {"wheelchair", "mobility"}) or self.about.limited_mobility

    @property
    def wants_gentle(self) -> bool:
        """"Something gentle for me balance": running and football are not first."""
        return self.limited_mobility or bool(_GENTLE.search(" ".join(self.words)))


def find_matches(
    session: Session,
    req: MatchRequest,
    *,
    flag_months: int = verification.DEFAULT_FLAG_MONTHS,
    grace_months: int = verification.DEFAULT_GRACE_MONTHS,
) -> list[Match]:
    """Ranked suggestions for one request, best first, each with its reasons."""
    today = req.today or date.today()
    asked = _Asked.of(req)
    needs, access = asked.needs, asked.access
    located = req.lat is not None and req.lon is not None
    max_miles = req.max_miles or (NO_TRANSPORT_MILES if "no_transport" in access else DEFAULT_MAX_MILES)
    if req.limit <= 0:
        return []

    left_out = set().union(*(matching_rows(session, _kind_query(k), name_only=True) for k in req.excluded_kinds
                             if k in kind_keys())) if req.excluded_kinds else set()
    candidates = _prefilter(session, req, asked, today, flag_months, grace_months, max_miles)
    # Only beside listings that are near: with nothing near at all, the dialogue says so and asks
    # before looking further ("Look further away"), so nobody is sent miles without being asked.
    if candidates and located and asked.kinds and req.max_miles is None and "no_transport" not in access:
        candidates.update(_kinds_further_away(session, req, asked, today, flag_months, grace_months, candidates))
    if left_out:  # "no carers groups": by name, so a dads' group open to male carers stays
        candidates = {sid: c for sid, c in candidates.items() if c.search_id not in left_out}
    if not candidates:
        return []

    scored = _rank_cheaply(list(candidates.values()), asked, located, max_miles,
                           verification.months_before(today, flag_months))
    wanted = max(req.offset, 0) + req.limit
    days = wanted_days(req.days)
    # The most the details can add for this request: bounds when reading more cannot help.
    bonus_max = W_FREE + (W_ACCESS if access & {"wheelchair", "mobility"} else 0.0) + (
        W_ACCESS if "hearing" in access else 0.0) + (
        W_AGE if asked.age is not None or asked.age_group else 0.0) + (W_LANGUAGE if asked.language else 0.0)
    # (W_LANGUAGE is counted whenever a language is named, even English, which earns none: harmless)
    language = asked.language
    ctx = _Context(req, needs, days, access, today, flag_months, grace_months,
                   None if language == "english" else language, asked)
    kept: list[_Candidate] = []
    start, size = 0, max(wanted * 4, DETAIL_CHUNK)
    while start < len(scored):
        if len(kept) >= wanted:
            kept.sort(key=lambda c: -c.final)
            if kept[wanted - 1].final >= scored[start].rough + bonus_max:
                break  # nothing unread can overtake the current top results
        kept.extend(_score_details(session, scored[start:start + size], ctx))
        start, size = start + size, size * 2
    kept.sort(key=lambda c: (-c.final, c.distance if c.distance is not None else 99.0, c.name))
    if len(asked.kinds) > 1:
        kept = _each_kind_first(kept, asked.kinds)
    return _to_matches(session, kept[req.offset:wanted], ctx)


def _kinds_further_away(session: Session, req: MatchRequest, asked: _Asked, today: date, flag_months: int,
                        grace_months: int, near: dict[str, _Candidate]) -> dict[str, _Candidate]:
    """Listings of a kind asked for by name that has none near (its name says it is that kind),
    from up to KIND_REACH_MILES away. Only when the person did not set how far they will go.

    A near one that is never on when they can go does not count as near: for "tai chi but not
    fridays", with the only near classes on Fridays, the nearest class on another day is offered.
    """
    kind_near = [c for c in near.values() if c.kind_strength >= 1.0 and c.kind in asked.kinds]
    have = {c.kind for c in _on_when_they_can(session, kind_near, req, today)}
    missing = [k for k in asked.kinds if k not in have]
    if not missing:
        return {}
    wider = _prefilter(session, req, asked, today, flag_months, grace_months, KIND_REACH_MILES)
    return {sid: c for sid, c in wider.items()
            if sid not in near and c.kind in missing and c.kind_strength >= 1.0}


def _on_when_they_can(session: Session, chunk: list[_Candidate], req: MatchRequest, today: date) -> list[_Candidate]:
    """The candidates with a session on the days and at the time asked for (all, when neither was
    said, and those whose times are not given: the same rule as scoring)."""
    days = wanted_days(req.days)
    if not chunk or not (days or req.time_of_day):
        return chunk
    details = _load_details(session, chunk, _Wants(schedules=True))
    kept = []
    for c in chunk:
        d = details.get(c.service_id)
        if _on_when_asked(read_schedules(d.schedules, today) if d is not None else [], days, req.time_of_day):
            kept.append(c)
    return kept


def _on_when_asked(sessions: list[Sessions], days: frozenset[str], time_of_day: str | None) -> bool:
    """A listing whose times are not given, or with a session on a day and at a time asked for: the
    one rule for scoring (a hard rule) and for looking further away for a kind."""
    return not sessions or bool(matching_sessions(sessions, days, time_of_day))


def _each_kind_first(ranked: list[_Candidate], kinds: list[str]) -> list[_Candidate]:
    """"Bereavement groups or a men's shed": the best of each kind asked for leads, in the order
    asked, so one kind with more listings nearby does not hide the other."""
    leaders = [next((c for c in ranked if c.kind == key), None) for key in kinds]
    first = [c for c in leaders if c is not None]
    return first + [c for c in ranked if c not in first]


def _kind_query(key: str) -> TextQuery:
    kind = get_kind(key)
    return TextQuery.of(kind.listings, kind.not_listings)


def _audience_penalty(tags: str | None, asked: _Asked) -> float | None:
    """How far who a listing is for counts against it: None = never offer, else a penalty."""
    if not tags:
        return 0.0
    about, penalty = asked.about, 0.0
    for tag in tags.split():
        if tag == "active":
            penalty += P_DEMANDING if asked.wants_gentle else 0.0
            continue
        if tag in asked.audience:
            continue
        if tag in ("carers", "parents"):
            said = about.is_carer if tag == "carers" else about.is_parent
            if said is False:
                return None
            penalty += 0.0 if said else P_NOT_SAID
        elif tag in ("women", "men"):
            if about.gender is None:
                penalty += P_NOT_SAID
            elif about.gender != ("female" if tag == "women" else "male"):
                return None
        elif tag == "english_learners":
            penalty += 0.0 if asked.language not in (None, "english") else P_LANGUAGE_GROUP
        elif tag.startswith("culture:"):
            penalty += 0.0 if asked.language == tag.split(":", 1)[1] else P_LANGUAGE_GROUP
    return penalty


def _off_topic(c: _Candidate, asked: _Asked) -> bool:
    """Its name says what it is, and that is neither a kind asked for nor for a need asked for:
    a job club filed under computers is still a job club, a health walk is not a coffee morning."""
    # Kinds that say who a group is for (a women's group, a carers' group) are judged by who
    # it is for (_audience_penalty), not by what it does.
    own = [k for k in kinds_of_name(c.name) if not get_kind(k).audience]
    if not own or c.kind is not None:
        return False
    if set(own) & (set(asked.kinds) | set(asked.related)):
        return False
    return not any(n in asked.needs for k in own for n in get_kind(k).needs)


def _rank_cheaply(candidates: list[_Candidate], asked: _Asked, located: bool, max_miles: float,
                  fresh_since: date) -> list[_Candidate]:
    """Score from what the prefilter returned, fair spread included; best first."""
    needs = asked.needs
    scored: list[_Candidate] = []
    need_loads: dict[str, list[float]] = defaultdict(list)
    for c in candidates:
        text_score = c.text_score
        if needs and not c.needs and c.kind not in asked.kinds:
            continue
        if not needs and not asked.kinds and asked.words and text_score == 0:
            continue  # free text alone: it must share a word with the listing
        penalty = _audience_penalty(c.audience, asked)
        if penalty is None:
            continue
        if asked.age is None and not asked.age_group and "youth_club" not in asked.kinds:
            high = c.ages[1]
            if high is not None and high <= 25:
                penalty += P_AGE_NOT_SAID
        if c.excluded and c.kind not in asked.kinds:
            if not any(source == "taxonomy" for source in c.needs.values()):
                continue  # it is here for what they said no to
            penalty += P_EXCLUDED_NEED
        if needs and _off_topic(c, asked):
            if asked.kinds:
                continue  # they named what they want; a job club is no answer to "help with my ipad"
            penalty += P_OFF_TOPIC
        need_score = 0.0
        if c.needs:
            strengths = sorted((1.0 if s == "taxonomy" else 0.6 for s in c.needs.values()), reverse=True)
            need_score = min(1.2, strengths[0] + 0.1 * (len(strengths) - 1))
        if c.distance is None:
            distance_score = UNLOCATED_DISTANCE_SCORE if located else 0.5
        else:
            distance_score = max(0.0, 1.0 - c.distance / max_miles)
        fresh = c.verified is not None and c.verified >= fresh_since
        c.rough = (W_KIND * c.kind_strength + W_NEED * need_score + W_TEXT * text_score
                   + W_DISTANCE * distance_score + W_FRESH * fresh - penalty)
        for key in c.needs or {"": ""}:
            need_loads[key].append(c.load)
        scored.append(c)

    # Fair spread: a listing with far more recent referrals than similar ones nearby slips down.
    peer_mean = {k: sum(v) / len(v) for k, v in need_loads.items()}
    for c in scored:
        peers = [peer_mean[k] for k in (c.needs or {"": ""})]
        mean = sum(peers) / len(peers)
        excess = c.load - mean - FAIR_DEAD_ZONE  # a referral or two more than its peers is just noise
        c.rough -= FAIR_WEIGHT * min(1.0, max(0.0, excess) / (mean + FAIR_SLACK))
    scored.sort(key=lambda c: (-c.rough, c.distance if c.distance is not None else 99.0, c.name))
    return scored


# -- stage 1: SQL ---------------------------------------------------------------------------


def _prefilter(session: Session, req: MatchRequest, asked: _Asked, today: date, flag_months: int,
               grace_months: int, max_miles: float) -> dict[str, _Candidate]:
    """Offerable listings in the box (plus phone/online ones) meeting a need or of a named kind;
    c.needs = the requested needs met, c.excluded = meets a need they said no to."""
    needs = asked.needs
    columns = [
        ServicePoint.service_id, ServicePoint.location_id, ServicePoint.latitude, ServicePoint.longitude,
        ServicePoint.need_key, ServicePoint.source, ServicePoint.audience, ServicePoint.search_id,
        Service.name, Service.description,
        Service.minimum_age, Service.maximum_age, Service.recent_referrals, Service.referrals_counted_on,
        Service.last_verified_at, Service.assured_date,
    ]
    # Which asked-for kind each listing is, and which of the person's words it has (in its name,
    # or anywhere): full-text row ids, read once per request straight from the index.
    kind_queries = [_kind_query(k) for k in asked.kinds]
    kind_rows = [(matching_rows(session, q, name_only=True), matching_rows(session, q)) for q in kind_queries]
    related_rows = [(matching_rows(session, q, name_only=True), matching_rows(session, q))
                    for q in (_kind_query(k) for k in asked.related)]
    word_rows = [(matching_rows(session, q, name_only=True), matching_rows(session, q))
                 for q in (TextQuery.of([w]) for w in asked.words[:MAX_WORDS])]
    base = select(*columns).join(Service, Service.id == ServicePoint.service_id).where(
        Service.status == "active",
        Service.is_full == false(),
        verification.still_offerable(today, flag_months, grace_months),
    )
    if req.exclude_ids:
        base = base.where(ServicePoint.service_id.not_in(list(req.exclude_ids)))
    if asked.age is not None:
        base = base.where(
            (Service.minimum_age.is_(None)) | (Service.minimum_age <= asked.age),
            (Service.maximum_age.is_(None)) | (Service.maximum_age >= asked.age),
        )
    connection = session.connection()

    def rows_of(query: Any) -> list[Any]:
        if req.lat is not None and req.lon is not None:
            lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(req.lat, req.lon, max_miles)
            found = list(connection.execute(query.where(
                ServicePoint.latitude.between(lat_lo, lat_hi), ServicePoint.longitude.between(lon_lo, lon_hi)
            )))
            return found + list(connection.execute(query.where(ServicePoint.latitude.is_(None))))
        return list(connection.execute(query.order_by(ServicePoint.service_id).limit(MAX_UNLOCATED_CANDIDATES)))

    rows = rows_of(base.where(ServicePoint.need_key.in_(needs) if needs else ServicePoint.need_key == ""))
    if asked.kinds:  # a listing of the kind asked for counts even when filed under another need
        rows += rows_of(base.where(ServicePoint.need_key == "",
                                   or_(*(ServicePoint.search_id.in_(search_rows_matching(session, q))
                                         for q in kind_queries))))
    excluded: set[str] = set()
    if asked.excluded_needs:
        excluded = {row[0] for row in rows_of(base.where(ServicePoint.need_key.in_(asked.excluded_needs)))}

    candidates: dict[str, _Candidate] = {}
    for row in rows:
        sid, location_id, lat, lon = row[0], row[1], row[2], row[3]
        distance = None
        if lat is not None and req.lat is not None and req.lon is not None:
            distance = distance_miles(req.lat, req.lon, lat, lon)
            if distance > max_miles:
                continue
        existing = candidates.get(sid)
        if existing is None or (distance is not None and existing.distance is not None
                                and distance < existing.distance):
            fresh = _Candidate(sid, row.name, row.description, location_id, distance,
                               current_load(row.recent_referrals, row.referrals_counted_on, today),
                               verification.verified_on(row.last_verified_at, row.assured_date),
                               audience=row.audience, excluded=sid in excluded,
                               ages=(row.minimum_age, row.maximum_age), search_id=row.search_id)
            if existing is not None:
                fresh.needs = existing.needs
            row_id = row.search_id
            weighed = [*((k, r, 1.0) for k, r in zip(asked.kinds, kind_rows, strict=True)),
                       *((k, r, RELATED_SHARE) for k, r in zip(asked.related, related_rows, strict=True))]
            for key, (named, described), share in weighed:
                strength = share * (1.0 if row_id in named else KIND_ELSEWHERE if row_id in described else 0.0)
                if strength > fresh.kind_strength:
                    fresh.kind, fresh.kind_strength = key, strength
            if word_rows:  # share of the words found, a word in the name counting double
                fresh.text_score = sum(1.0 if row_id in named else 0.5 if row_id in described else 0.0
                                       for named, described in word_rows) / len(word_rows)
            candidates[sid] = existing = fresh
        if needs and row.need_key:
            existing.needs[row.need_key] = row.source
    return candidates


# -- stage 2: details -----------------------------------------------------------------------


@dataclass
class _Details:
    """What scoring and display need about one candidate, read with plain column queries."""

    service: Any
    schedules: list[Any] = field(default_factory=list)
    costs: list[Any] = field(default_factory=list)
    languages: list[Any] = field(default_factory=list)
    access_texts: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    contact_email: str | None = None
    location_name: str | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class _Wants:
    """Which details to read: scoring reads only what this request's rules use."""

    schedules: bool = False
    access: bool = False
    languages: bool = False
    display: bool = False  # phones, emails, venue name and postcode: for the final few only


def _load_details(session: Session, chunk: list[_Candidate], wants: _Wants) -> dict[str, _Details]:
    """A few indexed IN-queries for a whole chunk (one per foreign key: SQLite uses one index
    per query, so OR-ing columns would scan)."""
    connection = session.connection()
    service_ids = [c.service_id for c in chunk]
    location_ids = sorted({c.location_id for c in chunk if c.location_id})
    rows = connection.execute(
        select(Service.id, Service.name, Service.description, Service.application_process,
               Service.fees_description, Service.fees, Service.email, Service.url, Service.minimum_age,
               Service.maximum_age, Service.interpretation_services, Service.is_demo, Service.organization_id,
               Organization.name.label("organization_name"), Organization.email.label("organization_email"))
        .outerjoin(Organization, Organization.id == Service.organization_id)
        .where(Service.id.in_(service_ids))
    ).all()
    details = {r.id: _Details(r) for r in rows}
    for row in connection.execute(select(*CostOption.__table__.c).where(CostOption.service_id.in_(service_ids))):
        details[row.service_id].costs.append(row)
    by_location: dict[str, list[str]] = defaultdict(list)
    for c in chunk:
        if c.location_id and c.service_id in details:
            by_location[c.location_id].append(c.service_id)

    sal_owner: dict[str, str] = {}
    if location_ids and (wants.schedules or wants.display):
        wanted_pairs = {(c.service_id, c.location_id) for c in chunk}
        for sal_id, sid, lid in connection.execute(
            select(ServiceAtLocation.id, ServiceAtLocation.service_id, ServiceAtLocation.location_id)
            .where(ServiceAtLocation.service_id.in_(service_ids), ServiceAtLocation.location_id.in_(location_ids))
        ):
            if (sid, lid) in wanted_pairs:
                sal_owner[sal_id] = sid
    sal_ids = list(sal_owner)

    if wants.schedules or wants.display:
        schedule_rows = list(connection.execute(
            select(*Schedule.__table__.c).where(Schedule.service_id.in_(service_ids))))
        if sal_ids:
            schedule_rows += connection.execute(
                select(*Schedule.__table__.c).where(Schedule.service_at_location_id.in_(sal_ids)))
        for row in sorted(schedule_rows, key=lambda r: r.id):
            owner = row.service_id if row.service_id in details else sal_owner.get(row.service_at_location_id)
            if owner in details:
                details[owner].schedules.append(row)

    if wants.access and location_ids:
        for lid, description, extra in connection.execute(
            select(Accessibility.location_id, Accessibility.description, Accessibility.details)
            .where(Accessibility.location_id.in_(location_ids))
        ):
            for owner in by_location.get(lid, []):
                details[owner].access_texts.extend(t for t in (description, extra) if t)

    if wants.languages:
        columns = (Language.service_id, Language.location_id, Language.code, Language.name)
        language_rows = list(connection.execute(select(*columns).where(Language.service_id.in_(service_ids))))
        if location_ids:
            language_rows += connection.execute(select(*columns).where(Language.location_id.in_(location_ids)))
        for row in language_rows:
            for owner in [row.service_id] if row.service_id in details else by_location.get(row.location_id, []):
                details[owner].languages.append(row)

    if wants.display:
        _load_display(connection, details, service_ids, location_ids, sal_owner, by_location, chunk)
    return details


def _load_display(connection: Any, details: dict[str, _Details], service_ids: list[str], location_ids: list[str],
                  sal_owner: dict[str, str], by_location: dict[str, list[str]], chunk: list[_Candidate]) -> None:
    """Phone (the service's own first, then its venue's, then its organisation's), email, venue."""
    for sid, email in connection.execute(
        select(Contact.service_id, Contact.email).where(Contact.service_id.in_(service_ids),
                                                        Contact.email.is_not(None)).order_by(Contact.id)
    ):
        details[sid].contact_email = details[sid].contact_email or email
    by_org: dict[str, list[str]] = defaultdict(list)
    for sid, d in details.items():
        if d.service.organization_id:
            by_org[d.service.organization_id].append(sid)
    ranked: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    sources = [
        (0, Phone.service_id, service_ids, lambda key: [key] if key in details else []),
        (1, Phone.service_at_location_id, list(sal_owner), lambda key: [sal_owner[key]] if key in sal_owner else []),
        (2, Phone.location_id, location_ids, lambda key: by_location.get(key, [])),
        (3, Phone.organization_id, sorted(by_org), lambda key: by_org.get(key, [])),
    ]
    for rank, column, keys, owners_of in sources:
        if keys:
            for phone_id, key, number in connection.execute(
                select(Phone.id, column, Phone.number).where(column.in_(keys))
            ):
                for owner in owners_of(key):
                    ranked[owner].append((rank, phone_id, number))
    for sid, numbers in ranked.items():
        details[sid].phones = [n for _, _, n in sorted(numbers) if n]
    if location_ids:
        names = dict(connection.execute(select(Location.id, Location.name).where(Location.id.in_(location_ids))).all())
        postcodes: dict[str, str] = {}
        for lid, postcode in connection.execute(
            select(Address.location_id, Address.postal_code).where(Address.location_id.in_(location_ids))
            .order_by(Address.id)
        ):
            if postcode and lid not in postcodes:
                postcodes[lid] = postcode
        for c in chunk:
            if c.location_id and c.service_id in details:
                details[c.service_id].location_name = names.get(c.location_id)
                details[c.service_id].postcode = postcodes.get(c.location_id)


@dataclass
class _Context:
    """One request's settings, worked out once."""

    req: MatchRequest
    needs: list[str]
    days: frozenset[str]
    access: set[str]
    today: date
    flag_months: int
    grace_months: int
    language: str | None = None
    asked: _Asked | None = None

    @property
    def needs_step_free(self) -> bool:
        return bool(self.access & {"wheelchair", "mobility"})

    @property
    def needs_hearing_loop(self) -> bool:
        return "hearing" in self.access

    @property
    def wants(self) -> _Wants:
        return _Wants(schedules=bool(self.days or self.req.time_of_day),
                      access=self.needs_step_free or self.needs_hearing_loop,
                      languages=self.language is not None)


def _score_details(session: Session, chunk: list[_Candidate], ctx: _Context) -> list[_Candidate]:
    """Apply the hard rules that need details and add the detail bonuses; returns survivors."""
    details = _load_details(session, chunk, ctx.wants)
    req = ctx.req
    kept = []
    for c in chunk:
        d = details.get(c.service_id)
        if d is None:
            continue
        service = d.service
        located = c.location_id is not None
        if ctx.wants.schedules:
            if not _on_when_asked(read_schedules(d.schedules, ctx.today), ctx.days, req.time_of_day):
                continue
        cost = read_cost(d.costs, service.fees_description, service.fees, ctx.today)
        if req.free_only and cost.free is not True:
            continue
        wheelchair = wheelchair_access(d.access_texts) if located and ctx.needs_step_free else None
        if ctx.needs_step_free and located and wheelchair is False:
            continue
        asked = ctx.asked
        fit = age_fit(service.minimum_age, service.maximum_age, asked.age if asked else req.age,
                      asked.age_group if asked else req.age_group)
        if not fit.fits:
            continue
        speaks = ctx.language is not None and ctx.language in languages_offered(
            d.languages, service.interpretation_services)
        bonus = W_FREE if cost.free else 0.0
        if ctx.needs_step_free and located:
            bonus += W_ACCESS if wheelchair else -UNKNOWN_ACCESS_PENALTY
        loop = ctx.needs_hearing_loop and located and hearing_loop(d.access_texts)
        if loop:
            bonus += W_ACCESS  # hard of hearing: a hall with a hearing loop first
        bonus += W_AGE if fit.targeted else 0.0
        bonus += W_LANGUAGE if speaks else 0.0
        c.final = c.rough + bonus
        c.facts = (cost, wheelchair, fit, speaks, loop)
        kept.append(c)
    return kept


def _to_matches(session: Session, chosen: list[_Candidate], ctx: _Context) -> list[Match]:
    """Build the results the person will see, reading contact details for just these."""
    if not chosen:
        return []
    details = _load_details(session, chosen, _Wants(display=True))
    req = ctx.req
    matches = []
    for c in chosen:
        d = details[c.service_id]
        service = d.service
        cost, wheelchair, fit, speaks, loop = c.facts
        located = c.location_id is not None
        sessions = read_schedules(d.schedules, ctx.today)
        reasons: list[str] = []
        if c.kind:
            reasons.append(get_kind(c.kind).label)
        elif ctx.needs and c.needs:
            best = max(c.needs, key=lambda k: (c.needs[k] == "taxonomy", -ctx.needs.index(k)))
            reasons.append(get_need(best).label)
        fits = list(reasons)
        if c.distance is not None:
            reasons.append("under 0.1 miles" if c.distance < 0.1 else f"{c.distance:.1f} miles")
        elif not located:
            reasons.append("no need to travel")
        shown = matching_sessions(sessions, ctx.days, req.time_of_day) or sessions
        if shown:
            reasons.append(shown[0].short)
        if cost.free:
            reasons.append("free" if cost.text == "Free" else cost.text.lower())
        for extra, wanted in (("step-free access", ctx.needs_step_free and located and wheelchair),
                              ("hearing loop", loop),
                              (fit.label, fit.targeted and fit.label),
                              (f"{(ctx.language or '').title()} spoken", speaks and ctx.language)):
            if wanted and extra:
                reasons.append(extra)
                fits.append(extra)
        phone = d.phones[0] if d.phones else None
        email = service.email or d.contact_email or service.organization_email
        if located:
            where = ", ".join(filter(None, [d.location_name, d.postcode])) or "Address on request"
        else:
            where = "By phone" if phone else "Online"
        state = verification.state(c.verified, ctx.today, ctx.flag_months, ctx.grace_months)
        matches.append(Match(
            service_id=service.id,
            name=service.name,
            organization=service.organization_name or "",
            description=first_sentence(service.description),
            when=describe(sessions, next((s.description for s in d.schedules if s.description), None)),
            where=where,
            how_to_join=how_to_join(service.application_process, phone, email, service.url),
            cost=cost.text,
            distance_miles=round(c.distance, 2) if c.distance is not None else None,
            reasons=reasons,
            is_demo=bool(service.is_demo),
            phone=phone,
            email=email,
            url=service.url,
            needs=list(c.needs),
            needs_checking=state in ("flagged", "never"),
            last_verified=c.verified,
            score=round(c.final, 4),
            kind=c.kind,
            fits=fits,
        ))
    return matches
