"""The outcomes report: people counted, paired wellbeing, response rate, consent and suppression."""

import csv
import io
from datetime import date, datetime, timedelta, timezone

from bot.devtools.demo_outcomes import seed_demo_outcomes
from bot.models import FollowUp
from bot.records.consent import FOLLOW_UP, KEEP_DATA, record_consent
from bot.records.followups import record_baseline, record_check_in
from bot.records.goals import create_goal, schedule_check_in
from bot.records.people import get_or_create_address
from bot.reports import disclosure
from bot.reports.export import report_csv
from bot.reports.outcomes import build_report
from bot.reports.suppression import SECONDARY, SMALL, protect_column

TODAY = date.today()
_counter = iter(range(10_000))


PROGRESS = {"done": (True, "as_hoped"), "partly": (True, "worse"), "not_yet": (False, None)}


def journey(session, *, decile=None, need="loneliness", start=None, follow=None, progress=None, asked=True,
            consent=True, goal=True, days_ago=10, ons=None):
    """One resident's journey, written the way the actions write it (bot/records).

    `start` and `follow` are life satisfaction (0-10); `ons` gives other items as {item: (start, follow)}.
    """
    person = get_or_create_address(session, "sms", f"+4477009{next(_counter):05d}").person
    keep = record_consent(session, person, KEEP_DATA, True, "Can I keep your answers?", "sms")
    keep.created_at = datetime.now(timezone.utc) - timedelta(days=days_ago)
    person.imd_decile = decile
    items = {"life_satisfaction": (start, follow), **(ons or {})}
    if goal:
        g = create_goal(session, person, keep, "Go to the lunch club", need=need)
        if asked:
            follow_consent = record_consent(session, person, FOLLOW_UP, True, "Can I text you?", "sms")
            check_in = schedule_check_in(session, g, follow_consent, "1_week")
            record_baseline(session, person, g, {k: a for k, (a, _) in items.items() if a is not None})
            check_in.status = "sent"
            if progress is not None:
                attended, scale = PROGRESS[progress]
                record_check_in(session, check_in, attended=attended, progress=scale or "much_worse", barrier=None,
                                note=None, keep_note=False,
                                answers={k: b for k, (_, b) in items.items() if b is not None})
    if not consent:
        record_consent(session, person, KEEP_DATA, False, "Can I keep your answers?", "sms")
    session.flush()
    return person


def row(table, key):
    return next(r for r in table.rows if r.key == key).cells


def test_protect_column_hides_small_cells_and_one_more_so_they_cannot_be_subtracted():
    marks, total = protect_column([12, 3, 9, 0, 20], 44, 5)
    assert marks == [None, SMALL, SECONDARY, None, None] and total is None
    # Two small cells adding up to fewer than 5 are not enough: both would be known to be 1 or 2.
    marks, total = protect_column([1, 2, 30, 8], 41, 5)
    assert marks == [SMALL, SMALL, None, SECONDARY] and total is None
    # Nothing left to hide: the total goes instead.
    marks, total = protect_column([3, 0, 0], 3, 5)
    assert marks == [SMALL, None, None] and total == SMALL
    marks, total = protect_column([7, 0], 7, 5)
    assert marks == [None, None] and total is None
    marks, total = protect_column([2, 0, 0], 9, 5)  # a table whose rows do not add up (needs)
    assert marks == [SMALL, None, None] and total == SECONDARY
    # A cell already hidden for another reason (a small derived cell) counts as hidden.
    marks, total = protect_column([20, 9, 30], 59, 8, marks=[None, SECONDARY, None])
    assert marks == [SECONDARY, SECONDARY, None] and total is None


def test_the_published_rule_suppresses_1_to_7_and_rounds_the_rest_to_5():
    counts = (0, 1, 7, 8, 10, 12, 13, 22, 23)
    assert [disclosure.publish_count(n) for n in counts] == [0, None, None, 10, 10, 10, 15, 20, 25]
    assert not disclosure.mean_allowed(9) and disclosure.mean_allowed(10)
    assert disclosure.rate(10, 15) == 67 and disclosure.rate(None, 15) is None
    assert disclosure.RULE_VERSION


def test_numbers_by_decile_are_counted_in_people_with_paired_wellbeing(session):
    # Decile 1: twelve people, ten answered with wellbeing paired, two asked who never answered.
    five = [(3, 6, "done"), (4, 6, "done"), (2, 5, "partly"), (5, 5, "not_yet"), (3, 7, "done")]
    for start, follow, progress in five * 2:
        journey(session, decile=1, start=start, follow=follow, progress=progress)
    for _ in range(2):
        journey(session, decile=1, start=2)  # asked, never answered: in the response rate, not in the wellbeing change
    # Decile 2: five people, none answered yet (one not asked at all).
    for _ in range(4):
        journey(session, decile=2, start=6)
    journey(session, decile=2, start=6, asked=False)
    # Decile 9: two people only.
    journey(session, decile=9, start=7, follow=9, progress="done")
    journey(session, decile=9, start=8, follow=8, progress="partly")
    # No postcode given: nine people, a score only at check-in for one (not paired).
    for start, follow in [(4, 7), (5, 8), (6, 6), (3, 5)] * 2:
        journey(session, decile=None, start=start, follow=follow, progress="done")
    journey(session, decile=None, start=None, follow=8, progress="partly")
    session.commit()

    report = build_report(session, TODAY - timedelta(days=30), TODAY)
    d1 = row(report.by_decile, "1")
    assert (d1["people"].value, d1["goal_setters"].value) == (12, 12)
    assert (d1["asked"].value, d1["answered"].value) == (12, 10)
    assert d1["people"].text("people", 8) == "10"  # 12, rounded to the nearest 5
    # Sent 12, answered 10: "sent - answered" would be 2 people, so "answered" is hidden too,
    # and the response rate with it (10 of 12 would give the 10 back).
    assert d1["answered"].mark == SECONDARY and d1["response_rate"].text("response_rate", 8) == "not shown"
    assert d1["goal_met"].value == 6 and d1["goal_met"].mark == SMALL
    assert d1["attended"].value == 8  # "not yet" did not go
    assert d1["paired"].value == 10
    assert d1["mean_start"].text("mean_start", 8) == "3"      # 3.4, to a whole number: the unanswered 2s are left out
    assert d1["mean_follow_up"].text("mean_follow_up", 8) == "6"  # 5.8
    assert d1["mean_change"].text("mean_change", 8) == "+2"     # 2.4

    d2 = row(report.by_decile, "2")
    assert (d2["people"].value, d2["asked"].value, d2["answered"].value) == (5, 4, 0)
    assert d2["asked"].text("asked", 8) == "fewer than 8" and d2["answered"].text("answered", 8) == "0"
    assert d2["response_rate"].text("response_rate", 8) == "fewer than 8"
    assert d2["paired"].text("paired", 8) == "0" and d2["mean_change"].text("mean_change", 8) == "-"

    d9 = row(report.by_decile, "9")
    assert d9["people"].text("people", 8) == "fewer than 8"
    assert d9["mean_change"].text("mean_change", 8) == "fewer than 10 people"
    # Five and two people are hidden (7 < 8); one more cell goes so 28 - the rest cannot give them back.
    people_marks = [r.cells["people"].mark for r in report.by_decile.rows]
    assert people_marks.count(SMALL) == 2 and people_marks.count(SECONDARY) == 1
    hidden = sum(r.cells["people"].value for r in report.by_decile.rows if r.cells["people"].mark)
    assert hidden >= 8

    unknown = row(report.by_decile, "not known")
    # Nine answered, eight scored and paired: "answered - met their goal" and "answered - paired" would be 1.
    assert unknown["answered"].mark and unknown["response_rate"].text("response_rate", 8) == "not shown"
    assert unknown["paired"].value == 8 and unknown["paired"].mark == SECONDARY and unknown["goal_met"].mark
    assert unknown["attended"].text("attended", 8) == "10"  # 9, rounded
    assert unknown["mean_start"].text("mean_start", 8) in ("fewer than 10 people", "not shown")

    total = report.by_decile.total.cells
    assert (total["people"].value, total["answered"].value, total["paired"].value) == (28, 21, 20)
    assert total["people"].mark is None and total["people"].text("people", 8) == "30"
    # 28 set a goal, 27 agreed to check-ins: the 1 in between must not show, nor 27 sent - 21 answered.
    assert total["agreed_check_ins"].mark == SECONDARY and total["answered"].mark == SECONDARY
    assert total["mean_change"].text("mean_change", 8) == "+2"  # 42 points over 20 people
    assert total["change_ci"].text("change_ci", 8) == "+1 to +3"
    for r in report.by_decile.rows:
        for col, cell in r.cells.items():
            if cell.mark:
                assert cell.text(col, 8) in ("fewer than 8", "not shown", "fewer than 10 people")


def test_only_people_with_a_standing_yes_in_the_period_are_counted(session):
    for _ in range(10):
        journey(session, decile=3, start=5, follow=7, progress="done")
    journey(session, decile=3, start=1, follow=1, progress="not_yet", consent=False)  # said yes, then no
    journey(session, decile=3, start=1, follow=1, progress="not_yet", days_ago=400)  # before the period
    never_asked = get_or_create_address(session, "sms", "+447700999999").person
    never_asked.imd_decile = 3  # no consent row at all: must not be counted
    session.commit()

    report = build_report(session, TODAY - timedelta(days=30), TODAY)
    d3 = row(report.by_decile, "3")
    assert d3["people"].value == 10 and d3["mean_change"].text("mean_change", 8) == "+2"
    assert report.by_decile.total.cells["people"].value == 10
    assert report.demo_people == 0


def test_needs_table_groups_goals_by_need(session):
    for _ in range(10):
        journey(session, decile=4, need="money", start=3, follow=5, progress="done")
    for _ in range(9):
        journey(session, decile=4, need="food", start=3, follow=4, progress="partly")
    journey(session, decile=4, need="creative", start=3, follow=4, progress="partly")
    journey(session, decile=4, need=None, start=4, asked=False)
    session.commit()
    report = build_report(session, TODAY - timedelta(days=30), TODAY)
    money, food = row(report.by_need, "money"), row(report.by_need, "food")
    assert (money["goal_setters"].value, money["goal_met"].value) == (10, 10)
    assert money["mean_change"].text("mean_change", 8) == "+2"
    assert row(report.by_need, "creative")["paired"].mark == SMALL
    # One hidden paired cell: the smallest other one (food, 9) goes too, with its means.
    assert food["paired"].mark == SECONDARY and food["mean_change"].text("mean_change", 8) == "not shown"
    # Two hidden goal-setter cells of one person each (1 + 1 < 8) are not enough either.
    assert row(report.by_need, "not known")["goal_setters"].text("goal_setters", 8) == "fewer than 8"
    assert food["goal_setters"].text("goal_setters", 8) == "not shown"
    assert "people" not in report.by_need.columns


def test_threshold_can_be_raised_but_not_below_the_published_rule(session):
    for _ in range(9):
        journey(session, decile=5, start=5, follow=6, progress="done")
    session.commit()
    shown = build_report(session, TODAY - timedelta(days=30), TODAY).by_decile
    assert row(shown, "5")["people"].mark is None and row(shown, "5")["people"].text("people", 8) == "10"
    raised = build_report(session, TODAY - timedelta(days=30), TODAY, min_cell=10).by_decile
    assert row(raised, "5")["people"].mark == SMALL
    lowered = build_report(session, TODAY - timedelta(days=30), TODAY, min_cell=3)
    assert lowered.min_cell == 8  # OUTCOMES_MIN_CELL=3 cannot show counts the rule hides


def test_csv_has_the_same_cells_as_the_page(session):
    for _ in range(12):
        journey(session, decile=1, start=4, follow=6, progress="done")
    journey(session, decile=8, start=4, follow=6, progress="done")
    session.commit()
    report = build_report(session, TODAY - timedelta(days=30), TODAY)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    decile_rows = [r for r in rows if r["table"] == "By deprivation decile"]
    periods = len(report.by_period.rows) + 1
    assert len(decile_rows) == 12 and len(rows) == 12 + 17 + periods + 4  # + the four ONS4 questions
    assert {r["imd_edition"] for r in rows} == {report.imd_edition} and "2019" in report.imd_edition
    first = decile_rows[0]
    assert first["group"] == "1 (most deprived)" and first["people"] == "not shown"  # 13 - 12 would give decile 8 back
    assert next(r for r in decile_rows if r["group"] == "8")["people"] == "fewer than 8"
    assert decile_rows[-1]["people"] == "15" and decile_rows[-1]["mean_change"] == "+2"
    assert all(r["people"] == "" for r in rows if r["table"] == "By need")


def test_demo_outcomes_are_labelled_and_added_once(session):
    added = seed_demo_outcomes(session, people=60)
    assert added == 60 and seed_demo_outcomes(session) == 0
    session.commit()
    report = build_report(session, TODAY - timedelta(days=365), TODAY)
    assert report.demo_people == report.by_decile.total.cells["people"].value == 60
    assert report.by_decile.total.cells["asked"].value > report.by_decile.total.cells["answered"].value > 0


def test_each_ons4_item_baseline_against_follow_up_with_a_95_percent_interval(session):
    # Twelve people: life satisfaction 3,4,2,4,3,5 -> 6,6,5,4,7,5 twice (changes +3,+2,+3,0,+4,0; mean 2.0, sd 1.60).
    for start, follow in [(3, 6), (4, 6), (2, 5), (4, 4), (3, 7), (5, 5)] * 2:
        journey(session, decile=1, start=start, follow=follow, progress="done",
                ons={"anxious_yesterday": (7, 4 if start < 4 else 7)})
    session.commit()
    report = build_report(session, TODAY - timedelta(days=30), TODAY)
    life = next(r for r in report.wellbeing.rows if r.key == "life_satisfaction").cells
    assert life["paired"].value == 12 and life["mean_change"].text("mean_change", 8) == "+2"
    # t(0.975, 11) = 2.201; 1.595 / sqrt(12) = 0.461; 2.0 +- 1.01, to whole numbers
    assert life["change_ci"].text("change_ci", 8) == "+1 to +3"
    # Low at the start (0-4): ten people; eight of them are 5 or more at check-in, two stayed at 4.
    assert (life["poor_at_start"].value, life["moved_out"].value) == (10, 8)
    assert life["poor_at_start"].mark == SMALL  # "not low at the start" would be 2: hidden, with what hangs off it
    assert life["moved_out"].mark == SMALL and life["moved_out_share"].text("moved_out_share", 8) == "fewer than 8"
    anxious = next(r for r in report.wellbeing.rows if r.key == "anxious_yesterday").cells
    assert anxious["poor_at_start"].value == 12  # high anxiety is 6-10
    assert anxious["mean_change"].text("mean_change", 8) == "-1"  # -1.5, to a whole number (halves up)
    assert anxious["moved_out"].text("moved_out", 8) == "fewer than 8"  # 6 moved, 6 stayed high
    assert next(r for r in report.wellbeing.rows if r.key == "worthwhile").cells["paired"].value == 0


def test_small_ons4_rows_are_hidden(session):
    for _ in range(3):
        journey(session, decile=1, start=3, follow=6, progress="done")
    session.commit()
    life = next(r for r in build_report(session, TODAY - timedelta(days=30), TODAY).wellbeing.rows
                if r.key == "life_satisfaction").cells
    assert {c.text(k, 8) for k, c in life.items()} == {"fewer than 8", "fewer than 10 people"}


def test_no_response_dropped_out_and_not_yet_due_are_counted(session):
    for _ in range(10):
        person = journey(session, decile=6, start=5, asked=True)  # first check-in sent
        first = session.query(FollowUp).filter_by(person_id=person.id, sequence=1).one()
        first.status = "no_response"
    for _ in range(10):
        person = journey(session, decile=6, start=5, asked=True)
        for f in session.query(FollowUp).filter_by(person_id=person.id):
            f.status = "cancelled"  # stopped before any check-in
    for _ in range(10):
        person = journey(session, decile=6, start=5, asked=True)
        session.query(FollowUp).filter_by(person_id=person.id, sequence=1).one().status = "scheduled"
    session.commit()
    d6 = row(build_report(session, TODAY - timedelta(days=30), TODAY).by_decile, "6")
    assert (d6["no_response"].value, d6["dropped_out"].value, d6["not_yet_due"].value) == (10, 10, 10)
    assert (d6["asked"].value, d6["answered"].value, d6["response_rate"].text("response_rate", 8)) == (10, 0, "0%")


def test_by_month_or_quarter(session):
    journey(session, decile=1, start=4, follow=6, progress="done", days_ago=40)
    journey(session, decile=1, start=4, follow=6, progress="done", days_ago=5)
    session.commit()
    report = build_report(session, TODAY - timedelta(days=60), TODAY, min_cell=1, period="month")
    counted = {r.key: r.cells["people"].value for r in report.by_period.rows}
    assert sum(counted.values()) == 2 and len(counted) >= 2
    assert all(len(k) == 7 for k in counted)  # 2026-11
    quarters = build_report(session, TODAY - timedelta(days=60), TODAY, min_cell=1).by_period.rows
    assert all(" Q" in r.key for r in quarters)
