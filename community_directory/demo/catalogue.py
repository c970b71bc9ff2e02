"""The raw material of the fictional Sunderland demo directory: areas, venues and activities.

Everything here is invented. Venue names are generic ("Hendon Community Centre") and every
organisation name ends "(demo)"; the generator adds a sentence saying so to every description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# name, approximate centre (lat, lon), the same centre places.py gives the name. Only areas with
# SR postcodes: Washington, Houghton-le-Spring and Hetton have NE/DH postcodes, which the bundled
# SR-only postcode file does not hold, so the demo has no listings named after them (a venue
# "in Hetton" would sit miles away at the nearest SR postcode). A test keeps names and places true.
AREAS: tuple[tuple[str, tuple[float, float]], ...] = (
    ("Sunderland city centre", (54.9059, -1.3826)),
    ("Hendon", (54.8985, -1.3705)),
    ("Millfield", (54.9035, -1.4000)),
    ("Roker", (54.9215, -1.3690)),
    ("Seaburn", (54.9345, -1.3710)),
    ("Fulwell", (54.9275, -1.3850)),
    ("Southwick", (54.9170, -1.4090)),
    ("Pallion", (54.9080, -1.4160)),
    ("Castletown", (54.9200, -1.4360)),
    ("Hylton Castle", (54.9250, -1.4330)),
    ("Red House", (54.9330, -1.4240)),
    ("Town End Farm", (54.9310, -1.4420)),
    ("Pennywell", (54.8960, -1.4380)),
    ("Grindon", (54.8920, -1.4250)),
    ("Thorney Close", (54.8820, -1.4230)),
    ("Farringdon", (54.8770, -1.4130)),
    ("Silksworth", (54.8790, -1.3980)),
    ("Doxford", (54.8640, -1.4180)),
    ("Ryhope", (54.8700, -1.3620)),
    ("Ashbrooke", (54.8950, -1.3880)),
    ("Springwell", (54.9020, -1.4650)),
    ("Herrington", (54.8660, -1.4530)),
    ("Hastings Hill", (54.8860, -1.4500)),
)

ACCESSIBLE = "Step-free entrance and an accessible toilet, so the building is wheelchair accessible."
HEARING_LOOP = " There is a hearing loop in the main hall."
UPSTAIRS = "The room is upstairs and there is no lift, so it is not wheelchair accessible."
STEPS = "There are three steps at the entrance and no ramp, so it is not wheelchair accessible."
FLAT_ROUTE = ("Walks start outside the pavilion and use flat, tarmac paths, suitable for wheelchairs and "
              "mobility scooters.")
ROUGH_ROUTE = "The route has steps and rough ground in places, so it is not suitable for wheelchairs."


@dataclass(frozen=True)
class VenueKind:
    key: str
    name: str  # "{area} Community Centre"
    description: str
    access_options: tuple[str, ...]


VENUES: dict[str, VenueKind] = {
    "centre": VenueKind("centre", "{area} Community Centre",
                        "A community centre with a main hall, a kitchen and meeting rooms.",
                        (ACCESSIBLE + HEARING_LOOP, ACCESSIBLE, ACCESSIBLE + HEARING_LOOP)),
    "hub": VenueKind("hub", "{area} Neighbourhood Hub",
                     "A small neighbourhood base above a row of shops, with a meeting room and a kettle.",
                     (UPSTAIRS, ACCESSIBLE, UPSTAIRS)),
    "church": VenueKind("church", "{area} Church Hall",
                        "A church hall used by community groups of all faiths and none.",
                        (STEPS, ACCESSIBLE + HEARING_LOOP,
                         "Ramp at the side entrance and an accessible toilet; wheelchair accessible.")),
    "park": VenueKind("park", "{area} Park Pavilion",
                      "A park pavilion with toilets; outdoor groups meet at the front door.",
                      (FLAT_ROUTE, ROUGH_ROUTE, FLAT_ROUTE)),
    "family": VenueKind("family", "{area} Youth and Family Hub",
                        "A family hub with a soft play room, a sports hall and a cafe.",
                        (ACCESSIBLE, ACCESSIBLE + HEARING_LOOP)),
}


@dataclass(frozen=True)
class Activity:
    """A kind of group; the generator places copies of it in areas."""

    key: str
    name: str  # "{area} Friendship Group" style, without the area
    needs: tuple[str, ...]  # first is the main one
    description: str
    venue: str  # VENUES key, or "none" for phone-only
    days: tuple[str, ...]  # byday choices, e.g. ("TU", "TH")
    times: tuple[tuple[str, str], ...]  # (opens_at, closes_at) choices
    cost: tuple[float | None, ...] = (0.0,)  # choices; None = pay as you feel
    join: str = "turn_up"  # turn_up | phone | email | referral
    min_age: int | None = None
    max_age: int | None = None
    eligibility: str | None = None
    languages: tuple[str, ...] = ()  # ISO codes besides English
    freq: str = "WEEKLY"  # WEEKLY | FORTNIGHTLY | MONTHLY
    network: str | None = None  # organisation running it in every area, when not a local group
    areas: tuple[str, ...] = ()  # only these areas, when set
    amount_description: str = "per session"
    extra: dict[str, str] = field(default_factory=dict)


NETWORKS = {
    "walks": ("Sunderland Health Walks Network (demo)", "Volunteer-led health walks across Sunderland."),
    "advice": ("Wearside Advice Partnership (demo)", "Free, confidential advice on money, benefits, debt and housing."),
    "food": ("Sunderland Community Food Network (demo)", "Food banks, pantries and community cafes working together."),
    "carers": ("Wearside Carers Together (demo)", "Support, breaks and a listening ear for unpaid carers."),
    "digital": ("Sunderland Digital Champions (demo)", "Volunteers who help people get online and stay safe."),
    "youth": ("Wearside Youth Partnership (demo)", "Youth work and activities for young people aged 11 to 25."),
    "jobs": ("Sunderland Jobs and Skills Hub (demo)", "Help with jobs, CVs, interviews and training."),
    "volunteer": ("Sunderland Volunteer Centre (demo)", "Matching people with volunteering roles across the city."),
    "wellbeing": ("Wearside Wellbeing Collective (demo)", "Peer support groups for feeling better in yourself."),
}

ACTIVITIES: tuple[Activity, ...] = (
    # meeting people
    Activity("friendship", "Friendship Group", ("loneliness",),
             "A relaxed weekly get-together with tea, biscuits and a chat. New faces are always welcome and "
             "someone will look out for you on your first visit.",
             "centre", ("MO", "TU", "WE", "TH"), (("10:00", "12:00"), ("13:30", "15:30"))),
    Activity("lunch_club", "Over-60s Lunch Club", ("loneliness", "food"),
             "A hot two-course lunch and good company, followed by a quiz or bingo.",
             "church", ("TU", "WE", "TH"), (("12:00", "14:00"),), cost=(4.0, 3.5), join="phone",
             min_age=60, eligibility="For people aged 60 and over.", amount_description="for a two-course lunch"),
    Activity("coffee_morning", "Coffee Morning", ("loneliness",),
             "Drop in for a cuppa and a natter, with board games and the daily papers.",
             "church", ("WE", "FR", "SA"), (("10:00", "11:30"),), cost=(0.0, None)),
    Activity("mens_shed", "Men's Shed", ("loneliness", "creative"),
             "A workshop where people share skills, fix things and make things for the community, "
             "with plenty of brews.", "hub", ("MO", "TH"), (("10:00", "14:00"),), cost=(1.0,),
             min_age=18, amount_description="towards materials"),
    Activity("games", "Games Afternoon", ("loneliness",),
             "Dominoes, cards, board games and a good laugh. No experience needed.",
             "centre", ("MO", "WE", "FR"), (("13:30", "15:30"),)),
    # getting active
    Activity("health_walk", "Health Walk", ("physical_activity", "outdoors", "loneliness"),
             "A gentle, friendly walk of about an hour at a chatty pace, led by trained walk leaders. "
             "Wear comfortable shoes.", "park", ("MO", "TU", "WE", "TH", "FR"),
             (("10:00", "11:00"), ("13:00", "14:00")),
             network="walks"),
    Activity("chair_exercise", "Chair-Based Exercise", ("physical_activity",),
             "Seated exercises to music to build strength and balance, at your own pace.",
             "centre", ("MO", "WE", "FR"), (("11:00", "12:00"),), cost=(2.0,), min_age=55,
             eligibility="For people aged 55 and over."),
    Activity("walking_football", "Walking Football", ("physical_activity", "loneliness"),
             "Football with no running and no tackling, so anyone can play whatever their fitness.",
             "family", ("TU", "TH", "SA"), (("18:00", "19:00"), ("10:00", "11:00")), cost=(2.0, 3.0), min_age=50,
             eligibility="For people aged 50 and over."),
    Activity("gentle_yoga", "Gentle Yoga", ("physical_activity", "mental_wellbeing"),
             "Slow, gentle yoga for beginners, with chairs available if you can't get down to the floor.",
             "hub", ("MO", "TU", "WE"), (("18:30", "19:30"), ("10:30", "11:30")), cost=(3.0, 4.0), min_age=16),
    Activity("dance", "Dance for Fun", ("physical_activity", "loneliness"),
             "Line dancing and old favourites for all abilities. Come on your own or bring a friend.",
             "centre", ("TU", "TH"), (("14:00", "15:00"),), cost=(2.0,)),
    Activity("running", "Couch to 5k Running Group", ("physical_activity", "outdoors"),
             "A beginners' running group that builds up from walking to running 5k over nine weeks.",
             "park", ("SA", "SU", "WE"), (("09:00", "10:00"), ("18:00", "19:00")), min_age=16),
    Activity("tai_chi", "Tai Chi", ("physical_activity", "mental_wellbeing"),
             "Slow, flowing movements to help balance, breathing and calm.",
             "church", ("TU", "FR"), (("10:00", "11:00"),), cost=(2.5,), min_age=50),
    # arts and crafts
    Activity("knit", "Knit and Natter", ("creative", "loneliness"),
             "Bring your knitting, crochet or sewing, or learn from scratch. Wool and needles provided.",
             "hub", ("TU", "TH"), (("13:00", "15:00"),)),
    Activity("choir", "Community Choir", ("creative", "mental_wellbeing"),
             "A friendly choir singing pop, folk and musicals. No auditions and no need to read music.",
             "church", ("MO", "WE"), (("19:00", "20:30"),), cost=(2.0,)),
    Activity("art", "Art Club", ("creative",),
             "Painting and drawing for beginners and improvers, with a different theme each week.",
             "centre", ("WE", "FR"), (("10:00", "12:00"),), cost=(3.0,), amount_description="including materials"),
    Activity("writing", "Creative Writing Group", ("creative", "learning"),
             "Share stories, poems and memories in a supportive group. Beginners welcome.",
             "hub", ("TH",), (("18:00", "19:30"),), freq="FORTNIGHTLY"),
    Activity("photo_walk", "Photography Walk", ("creative", "outdoors", "physical_activity"),
             "A slow walk taking photographs with whatever camera or phone you have.",
             "park", ("SA",), (("10:00", "12:00"),), freq="MONTHLY"),
    # learning
    Activity("esol", "English Conversation Club", ("learning", "faith_culture", "loneliness"),
             "Practise speaking English over a cup of tea with friendly volunteers. All levels welcome.",
             "centre", ("TU", "WE", "TH"), (("10:00", "12:00"),), languages=("ar", "ku", "fa", "pl")),
    Activity("history", "Local History Group", ("learning", "loneliness"),
             "Talks, old photographs and memories of Sunderland's shipyards, pits and streets.",
             "church", ("WE",), (("14:00", "16:00"),), cost=(1.0,), freq="MONTHLY"),
    Activity("reading", "Reading Group", ("learning", "loneliness"),
             "Read a book a month and talk about it over tea. Books are lent free of charge.",
             "hub", ("TU",), (("18:30", "20:00"),), freq="MONTHLY"),
    Activity("family_learning", "Family Learning", ("learning", "parenting"),
             "Fun maths and English sessions for parents and children to do together.",
             "family", ("MO", "WE"), (("09:30", "11:30"),), join="phone"),
    # volunteering
    Activity("volunteer_dropin", "Volunteering Drop-in", ("volunteering", "employment"),
             "Talk to us about volunteering roles that suit your interests and the time you have.",
             "centre", ("TU", "TH"), (("10:00", "13:00"),), network="volunteer"),
    Activity("garden_volunteers", "Community Garden Volunteers", ("volunteering", "outdoors", "physical_activity"),
             "Help grow fruit and vegetables for the community pantry. Tools and gloves provided.",
             "park", ("WE", "SA"), (("10:00", "13:00"),)),
    Activity("shop_volunteers", "Charity Shop Volunteers", ("volunteering", "employment"),
             "Sort donations, price stock and serve customers in a friendly team.",
             "hub", ("MO", "TU", "WE", "TH", "FR"), (("09:30", "12:30"),), join="phone", min_age=16),
    # money, debt and benefits
    Activity("advice_dropin", "Benefits and Debt Advice Drop-in", ("money", "housing"),
             "Free, confidential help with benefits, Universal Credit, debt and bills. Bring any letters "
             "you have.", "centre", ("MO", "WE", "FR"), (("09:30", "12:30"),), network="advice",
             languages=("pl", "ar")),
    Activity("energy", "Energy Bills Help", ("money",),
             "Help to cut your energy bills, sort out arrears and apply for grants.",
             "hub", ("TU", "TH"), (("13:00", "16:00"),), join="phone", network="advice"),
    # food
    Activity("pantry", "Community Pantry", ("food", "money"),
             "Members pay a small weekly amount for a bag of shopping worth much more.",
             "church", ("TU", "FR"), (("12:00", "14:00"),), cost=(3.5,), network="food",
             amount_description="per week for a bag of shopping"),
    Activity("food_bank", "Food Bank", ("food",),
             "Emergency food parcels for people in crisis. You need a voucher from your GP, Citizens "
             "Advice, a link worker or us.", "church", ("MO", "TH"), (("11:00", "13:00"),), join="referral",
             network="food"),
    Activity("cook_eat", "Cook and Eat", ("food", "learning", "loneliness"),
             "Learn to cook simple, cheap meals, then sit down and eat together.",
             "family", ("WE", "TH"), (("17:30", "19:30"),), join="phone"),
    Activity("cafe", "Pay as You Feel Cafe", ("food", "loneliness"),
             "Hot meals made from surplus food. Pay what you can afford; nobody is turned away.",
             "centre", ("TH", "FR", "SA"), (("12:00", "14:00"),), cost=(None,), network="food"),
    # housing
    Activity("housing_surgery", "Housing Advice Surgery", ("housing", "money"),
             "Advice on renting, repairs, damp, eviction and homelessness.",
             "centre", ("TU", "TH"), (("13:30", "16:00"),), join="phone", network="advice"),
    Activity("tenants", "Tenants and Residents Group", ("housing", "loneliness"),
             "Neighbours working together on repairs, safety and things to do on the estate.",
             "hub", ("MO", "WE"), (("18:00", "19:30"),), freq="MONTHLY"),
    # carers
    Activity("carers_coffee", "Carers' Coffee Morning", ("carers", "loneliness"),
             "A break and a chat with other people who look after someone.",
             "centre", ("TU", "FR"), (("10:00", "11:30"),), network="carers"),
    Activity("carers_support", "Carers' Support Group", ("carers", "mental_wellbeing"),
             "A listening ear and practical tips from people who know what caring is like.",
             "church", ("WE",), (("18:30", "20:00"),), freq="MONTHLY", network="carers"),
    # feeling better in yourself
    Activity("wellbeing_cafe", "Wellbeing Cafe", ("mental_wellbeing", "loneliness"),
             "A calm, friendly space to talk, or just sit with a brew, run by people with lived experience.",
             "hub", ("MO", "WE", "FR"), (("13:00", "15:00"),), network="wellbeing"),
    Activity("bereavement", "Bereavement Support Group", ("mental_wellbeing",),
             "Meet others who have lost someone close, in a gentle, understanding group.",
             "church", ("TH",), (("14:00", "15:30"),), freq="FORTNIGHTLY", join="phone", network="wellbeing"),
    Activity("mindfulness", "Mindfulness for Beginners", ("mental_wellbeing",),
             "Simple breathing and relaxation practice to help with stress and worry.",
             "centre", ("TU", "TH"), (("18:00", "19:00"),), cost=(2.0,), min_age=16),
    Activity("anxiety_peer", "Anxiety Peer Support", ("mental_wellbeing",),
             "A small, confidential group for people living with anxiety. Come along and just listen if you prefer.",
             "hub", ("MO", "WE"), (("18:30", "20:00"),), min_age=18, network="wellbeing"),
    # parents and families
    Activity("stay_play", "Stay and Play", ("parenting", "loneliness"),
             "Play sessions for under-5s and a cuppa for their grown-ups.",
             "family", ("MO", "TU", "WE", "TH", "FR"), (("09:30", "11:00"),),
             eligibility="For parents and carers with children under 5."),
    Activity("dads", "Dads' Group", ("parenting", "loneliness"),
             "Dads, grandads and male carers with their kids: play, snacks and a chat.",
             "family", ("SA",), (("10:00", "12:00"),)),
    Activity("baby_massage", "Baby Massage", ("parenting", "mental_wellbeing"),
             "A five-week course for parents and babies up to crawling age.",
             "family", ("WE", "FR"), (("13:30", "14:30"),), cost=(2.0,), join="phone"),
    # work and jobs
    Activity("job_club", "Job Club", ("employment", "digital_skills"),
             "Help with job searches, applications and Universal Credit journals, with computers to use.",
             "centre", ("MO", "WE"), (("10:00", "12:00"),), network="jobs"),
    Activity("cv_help", "CV and Interview Help", ("employment",),
             "One-to-one help to write a CV and get ready for interviews.",
             "hub", ("TU", "TH"), (("13:00", "16:00"),), join="email", network="jobs"),
    # computers and phones
    Activity("digital_dropin", "Digital Drop-in", ("digital_skills",),
             "Bring your phone, tablet or laptop, or use ours, and get help with whatever you are stuck on.",
             "centre", ("TU", "FR"), (("10:00", "12:00"), ("14:00", "16:00")), network="digital"),
    Activity("silver_surfers", "Silver Surfers", ("digital_skills", "loneliness"),
             "Relaxed help for older people getting to grips with smartphones, tablets, email and video calls.",
             "church", ("WE",), (("10:00", "12:00"),), min_age=60, network="digital",
             eligibility="For people aged 60 and over."),
    # gardening and outdoors
    Activity("allotment", "Allotment Group", ("outdoors", "physical_activity"),
             "Share a plot, learn to grow your own and take some veg home.",
             "park", ("TU", "SA"), (("10:00", "12:30"),), cost=(1.0,)),
    Activity("beach_clean", "Beach Clean", ("outdoors", "volunteering"),
             "Help keep the beach clean. Litter pickers, bags and gloves provided.",
             "park", ("SU",), (("10:00", "11:30"),), freq="MONTHLY", areas=("Roker", "Seaburn")),
    Activity("conservation", "Conservation Volunteers", ("outdoors", "volunteering", "physical_activity"),
             "Practical work in local green spaces: planting, path repairs and wildlife surveys.",
             "park", ("TH",), (("10:00", "14:00"),), network="volunteer"),
    # faith and culture
    Activity("polish_club", "Polish Community Club", ("faith_culture", "loneliness"),
             "A Saturday meet-up for the Polish community and friends, with Polish and English spoken.",
             "centre", ("SA",), (("11:00", "14:00"),), languages=("pl",)),
    Activity("kurdish_evening", "Kurdish Community Evening", ("faith_culture", "loneliness"),
             "Food, music and conversation for Kurdish families and neighbours.",
             "centre", ("FR",), (("18:00", "20:30"),), languages=("ku",)),
    Activity("arabic_women", "Arabic-Speaking Women's Group", ("faith_culture", "loneliness", "learning"),
             "A women's group with Arabic and English spoken: crafts, trips and help finding your way around.",
             "family", ("WE",), (("10:00", "12:00"),), languages=("ar",), eligibility="For women."),
    Activity("multicultural_lunch", "Multicultural Lunch", ("faith_culture", "food", "loneliness"),
             "A monthly shared lunch with food from around the world. Everyone is welcome.",
             "church", ("SU",), (("12:30", "14:30"),), freq="MONTHLY", cost=(None,)),
    Activity("heritage", "Heritage Group", ("faith_culture", "learning"),
             "Exploring the history and cultures of the people who have made Sunderland home.",
             "hub", ("TH",), (("14:00", "16:00"),), freq="FORTNIGHTLY"),
    # young people
    Activity("youth_club", "Youth Club", ("loneliness", "physical_activity", "creative"),
             "Sport, music, games and a safe place to hang out with friends, with youth workers on hand.",
             "family", ("TU", "TH", "FR"), (("18:00", "20:00"),), min_age=11, max_age=18, network="youth"),
    Activity("young_wellbeing", "Young People's Wellbeing Group", ("mental_wellbeing", "loneliness"),
             "A relaxed group for young people to talk about how things are going, with trained staff.",
             "family", ("WE",), (("16:30", "18:00"),), min_age=14, max_age=25, network="youth"),
)

# Listings with no venue: reached by phone.
PHONE_SERVICES: tuple[dict[str, object], ...] = (
    {"key": "befriending_line", "name": "Befriending Phone Calls", "needs": ("loneliness", "mental_wellbeing"),
     "description": "A friendly volunteer rings you for a chat at the same time each week.",
     "network": "wellbeing", "join": "phone", "min_age": 60, "days": "MO,TU,WE,TH,FR",
     "times": ("10:00", "16:00"), "eligibility": "For people aged 60 and over living in Sunderland."},
    {"key": "money_line", "name": "Money Advice Helpline", "needs": ("money", "housing"),
     "description": "Free phone advice on benefits, debt and bills from trained advisers.",
     "network": "advice", "join": "phone", "min_age": None, "days": "MO,TU,WE,TH,FR",
     "times": ("09:00", "17:00"), "eligibility": None},
    {"key": "carers_line", "name": "Carers' Advice Line", "needs": ("carers",),
     "description": "Advice and a listening ear for unpaid carers, by phone.",
     "network": "carers", "join": "phone", "min_age": None, "days": "MO,WE,FR",
     "times": ("10:00", "14:00"), "eligibility": None},
)
