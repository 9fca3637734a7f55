"""Duty rosters (值班表): the services' rules, the rotation helper on the real 2026
calendar, and the database's "never in two villages the same day".

Named people: 甲一 and 甲二, cadres of village A1 (甲一 is the world's cadre user); 乙丙,
cadre of village A2; the town office of town A; 外人, a cadre of village B1 (town B).
"""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from duty import services
from duty.choices import Position, RosterState
from duty.models import Amendment, Roster, Shift, publish_deadline
from duty.selectors import month_overview, next_duty_day, unpublished_next_month
from governance.choices import AuditAction, Role
from governance.models import AuditEntry

from . import factories as f

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)
SEPT = datetime.date(2026, 9, 1)


def named(user, name):
    user.last_name, user.first_name = name[:1], name[1:]
    user.save()
    return user


@pytest.fixture
def people(world):
    cadre = named(world.users["cadre"], "甲一")
    return {
        "cadre": cadre,
        "cadre2": named(f.member(Role.VILLAGE_CADRE, village=world.village_a1), "甲二"),
        "a2": named(f.member(Role.VILLAGE_CADRE, village=world.village_a2), "乙丙"),
        "b1": named(f.member(Role.VILLAGE_CADRE, village=world.village_b1), "外人"),
        "office": world.users["office"],
    }


@pytest.fixture
def roster(world, people):
    return services.roster_create(
        village=world.village_a1, month=OCT, duty_phone="0579-87138753", actor=people["office"]
    )


def day(d):
    return datetime.date(2026, 10, d)


def test_a_roster_is_created_as_a_draft_for_the_month_and_audited(world, roster):
    assert roster.state == RosterState.DRAFT and roster.month == OCT
    assert AuditEntry.objects.filter(
        object_id=str(roster.pk), action=AuditAction.CREATE, town=world.town_a
    ).exists()
    again = services.roster_create(
        village=world.village_a2, month=day(17), duty_phone="1", actor=world.users["office"]
    )
    assert again.month == OCT  # any day of the month is taken as its month


def test_a_village_has_one_roster_a_month(world, roster, people):
    with pytest.raises(ValidationError) as exc:
        services.roster_create(village=world.village_a1, month=OCT, duty_phone="1", actor=people["office"])
    assert "month" in exc.value.message_dict


def test_a_cadre_creates_only_their_own_villages_roster(world, people):
    services.roster_create(village=world.village_a1, month=SEPT, duty_phone="1", actor=people["cadre"])
    with pytest.raises(PermissionDenied):
        services.roster_create(village=world.village_a2, month=SEPT, duty_phone="1", actor=people["cadre"])
    assert not Roster.objects.filter(village=world.village_a2).exists()


def test_days_are_set_and_the_second_person_is_optional(roster, people):
    services.roster_set_days(
        roster=roster,
        days={
            day(8): services.Day(people["cadre"], people["cadre2"]),
            day(9): services.Day(people["cadre2"]),
        },
        actor=people["cadre"],
    )
    rows = set(
        Shift.objects.filter(roster=roster, deleted_at__isnull=True).values_list("date", "person", "position")
    )
    assert rows == {
        (day(8), people["cadre"].pk, Position.LEAD),
        (day(8), people["cadre2"].pk, Position.SECOND),
        (day(9), people["cadre2"].pk, Position.LEAD),
    }
    # Swapping the two on the 8th is one write (the unique index holds in between).
    services.roster_set_days(
        roster=roster, days={day(8): services.Day(people["cadre2"], people["cadre"])}, actor=people["office"]
    )
    lead = Shift.objects.get(roster=roster, date=day(8), position=Position.LEAD, deleted_at__isnull=True)
    assert lead.person == people["cadre2"]
    entry = AuditEntry.objects.filter(object_id=str(roster.pk), action=AuditAction.UPDATE).first()
    assert "2026-10-08" in entry.changes["days"]


@pytest.mark.parametrize(
    ("days", "key", "words"),
    [
        (lambda p: {datetime.date(2026, 11, 2): services.Day(p["cadre"])}, "date_2026-11-02", "不在"),
        (lambda p: {day(8): services.Day(p["a2"])}, "cadre_2026-10-08", "不是甲一村的村干部"),
        (lambda p: {day(8): services.Day(p["cadre"], p["cadre"])}, "second_2026-10-08", "另一人"),
        (lambda p: {day(8): services.Day(None, p["cadre"])}, "cadre_2026-10-08", "先选择"),
    ],
    ids=["outside-month", "not-a-cadre", "second-same-person", "second-without-cadre"],
)
def test_bad_days_are_field_errors_in_chinese_and_nothing_is_saved(roster, people, days, key, words):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.roster_set_days(roster=roster, days=days(people), actor=people["cadre"])
    assert key in exc.value.message_dict, exc.value.message_dict
    assert words in " ".join(exc.value.message_dict[key])
    assert not Shift.objects.filter(roster=roster).exists()


def test_a_person_on_duty_in_another_village_that_day_is_refused(world, roster, people):
    # 乙丙 is made a cadre of A1 too, and is on duty in A2 on the 8th.
    f.MembershipFactory(user=people["a2"], role=Role.VILLAGE_CADRE, village=world.village_a1)
    other = services.roster_create(
        village=world.village_a2, month=OCT, duty_phone="2", actor=people["office"]
    )
    services.roster_set_days(roster=other, days={day(8): services.Day(people["a2"])}, actor=people["office"])
    with pytest.raises(ValidationError) as exc:
        services.roster_set_days(
            roster=roster,
            days={day(8): services.Day(people["a2"]), day(9): services.Day(people["cadre"])},
            actor=people["office"],
        )
    assert "甲二村" in str(exc.value.message_dict["cadre_2026-10-08"]) or "A2" in str(exc.value.message_dict)
    assert not Shift.objects.filter(roster=roster).exists()  # not even the good day


def test_the_database_refuses_one_person_in_two_villages_on_one_day(world, roster, people):
    other = Roster.objects.create(village=world.village_a2, month=OCT, duty_phone="2")
    Shift.objects.create(roster=roster, date=day(8), person=people["cadre"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(roster=other, date=day(8), person=people["cadre"])
    # A soft-deleted shift no longer counts.
    Shift.objects.filter(roster=roster).update(deleted_at=datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC))
    Shift.objects.create(roster=other, date=day(8), person=people["cadre"])


@pytest.mark.django_db(transaction=True)
def test_two_transactions_racing_for_one_person_one_day_leave_one_row(world, people):
    """Two offices' writes at once: on PostgreSQL the second insert waits on the unique
    index and fails when the first commits; the service turns that into a field error."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the database refusal is tested above")
    f.MembershipFactory(user=people["cadre"], role=Role.VILLAGE_CADRE, village=world.village_a2)
    first = Roster.objects.create(village=world.village_a1, month=OCT, duty_phone="1")
    second = Roster.objects.create(village=world.village_a2, month=OCT, duty_phone="2")
    barrier = threading.Barrier(2)
    outcomes = []

    def write(roster):
        try:
            with transaction.atomic():
                Shift.objects.filter(pk=-1).exists()
                barrier.wait(timeout=10)
                services.roster_set_days(
                    roster=roster, days={day(8): services.Day(people["cadre"])}, actor=None
                )
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(r,)) for r in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(map(str, outcomes)).count("ok") == 1, outcomes
    assert Shift.objects.filter(person=people["cadre"], date=day(8), deleted_at__isnull=True).count() == 1


def test_the_rotation_skips_mid_autumn_and_national_day_and_works_the_make_up_saturday(world, people):
    sept = services.roster_create(
        village=world.village_a1, month=SEPT, duty_phone="1", actor=people["office"]
    )
    services.roster_fill(roster=sept, people=[people["cadre"], people["cadre2"]], actor=people["office"])
    sept_days = list(Shift.objects.filter(roster=sept).order_by("date").values_list("date", "person"))
    dates = [d for d, _p in sept_days]
    assert datetime.date(2026, 9, 25) not in dates  # 中秋节 (a Friday)
    assert datetime.date(2026, 9, 26) not in dates and datetime.date(2026, 9, 1) in dates
    assert datetime.date(2026, 9, 20) in dates  # the make-up Sunday before it
    assert len(dates) == 22
    assert [p for _d, p in sept_days[:3]] == [people["cadre"].pk, people["cadre2"].pk, people["cadre"].pk]

    october = services.roster_create(
        village=world.village_a1, month=OCT, duty_phone="1", actor=people["office"]
    )
    services.roster_fill(
        roster=october, people=[people["cadre"], people["cadre2"]], days_each=2, actor=people["cadre"]
    )
    rows = list(Shift.objects.filter(roster=october).order_by("date").values_list("date", "person"))
    dates = [d for d, _p in rows]
    assert not any(day(n) in dates for n in range(1, 8))  # 国庆节 1–7 Oct
    assert dates[:3] == [day(8), day(9), day(10)]  # back on Thursday; the make-up Saturday
    assert day(11) not in dates  # a plain Sunday
    assert [p for _d, p in rows[:5]] == [people["cadre"].pk] * 2 + [people["cadre2"].pk] * 2 + [
        people["cadre"].pk
    ]
    assert len(dates) == 18

    services.roster_fill(
        roster=october, people=[people["cadre2"]], include_weekends=True, actor=people["cadre"]
    )
    dates = list(Shift.objects.filter(roster=october, deleted_at__isnull=True).values_list("date", flat=True))
    assert day(11) in dates and day(3) not in dates  # weekends in, holidays still out
    assert len(dates) == 31 - 7


def test_the_rotation_refuses_a_person_on_duty_elsewhere_and_writes_nothing(world, roster, people):
    f.MembershipFactory(user=people["a2"], role=Role.VILLAGE_CADRE, village=world.village_a1)
    other = services.roster_create(
        village=world.village_a2, month=OCT, duty_phone="2", actor=people["office"]
    )
    services.roster_set_days(roster=other, days={day(20): services.Day(people["a2"])}, actor=people["office"])
    services.roster_set_days(
        roster=roster, days={day(12): services.Day(people["cadre"])}, actor=people["office"]
    )
    with pytest.raises(ValidationError) as exc:
        services.roster_fill(roster=roster, people=[people["cadre"], people["a2"]], actor=people["office"])
    assert "2026-10-20" in str(exc.value.message_dict["people"])
    live = Shift.objects.filter(roster=roster, deleted_at__isnull=True)
    assert list(live.values_list("date", flat=True)) == [day(12)]  # the month as it was


def test_the_rotation_takes_only_the_villages_cadres_and_at_most_nine(world, roster, people):
    with pytest.raises(ValidationError) as exc:
        services.roster_fill(roster=roster, people=[people["cadre"], people["b1"]], actor=people["office"])
    assert "外人" in str(exc.value.message_dict["people"])
    team = [f.member(Role.VILLAGE_CADRE, village=world.village_a1) for _ in range(10)]
    with pytest.raises(ValidationError) as exc:
        services.roster_fill(roster=roster, people=team, actor=people["office"])
    assert "people" in exc.value.message_dict
    services.roster_fill(roster=roster, people=team[:9], actor=people["office"])  # 双溪村's nine
    assert Shift.objects.filter(roster=roster).values("person").distinct().count() == 9


def test_publishing_freezes_the_roster(roster, people):
    with pytest.raises(ValidationError):
        services.roster_publish(roster=roster, actor=people["cadre"])  # nobody on duty yet
    services.roster_fill(roster=roster, people=[people["cadre"], people["cadre2"]], actor=people["cadre"])
    services.roster_publish(roster=roster, actor=people["cadre"])
    roster.refresh_from_db()
    assert roster.state == RosterState.PUBLISHED and roster.published_by == people["cadre"]
    for write in (
        lambda: services.roster_set_days(
            roster=roster, days={day(9): services.Day(people["cadre2"])}, actor=people["office"]
        ),
        lambda: services.roster_fill(roster=roster, people=[people["cadre"]], actor=people["office"]),
        lambda: services.roster_update(roster=roster, duty_phone="9", actor=people["office"]),
        lambda: services.roster_delete(roster=roster, actor=people["office"]),
        lambda: services.roster_publish(roster=roster, actor=people["office"]),
    ):
        with pytest.raises(ValidationError) as exc:
            write()
        assert "__all__" in exc.value.message_dict
    roster.refresh_from_db()
    assert roster.deleted_at is None and roster.duty_phone == "0579-87138753"


def test_an_amendment_replaces_the_person_with_a_reason(roster, people):
    services.roster_fill(roster=roster, people=[people["cadre"], people["cadre2"]], actor=people["cadre"])
    services.roster_publish(roster=roster, actor=people["office"])
    with pytest.raises(ValidationError) as exc:
        services.roster_amend(
            roster=roster,
            date=day(8),
            replaced=people["cadre"],
            replacement=people["cadre2"],
            reason=" ",
            actor=people["cadre"],
        )
    assert "reason" in exc.value.message_dict
    assert not Amendment.objects.exists()
    amendment = services.roster_amend(
        roster=roster,
        date=day(8),
        replaced=people["cadre"],
        replacement=people["cadre2"],
        reason="住院",
        actor=people["cadre"],
    )
    assert amendment.by == people["cadre"]
    on_duty = Shift.objects.get(roster=roster, date=day(8), deleted_at__isnull=True)
    assert on_duty.person == people["cadre2"]
    assert (
        Shift.objects.filter(roster=roster, date=day(8), person=people["cadre"]).get().deleted_at is not None
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: {"date": datetime.date(2026, 11, 2)}, "date"),
        (lambda p: {"replaced": p["cadre2"]}, "replaced"),  # not on duty on the 8th
        (lambda p: {"replacement": p["a2"]}, "replacement"),  # not a cadre of A1
        (lambda p: {"replacement": p["cadre"]}, "replacement"),  # the same person
    ],
)
def test_bad_amendments_are_field_errors(roster, people, change, field):
    services.roster_fill(roster=roster, people=[people["cadre"], people["cadre2"]], actor=people["cadre"])
    services.roster_publish(roster=roster, actor=people["office"])
    kwargs = {"date": day(8), "replaced": people["cadre"], "replacement": people["cadre2"], "reason": "换班"}
    kwargs.update(change(people))
    with pytest.raises(ValidationError) as exc:
        services.roster_amend(roster=roster, actor=people["office"], **kwargs)
    assert field in exc.value.message_dict, exc.value.message_dict
    assert not Amendment.objects.exists()


def test_a_draft_is_not_amended(roster, people):
    services.roster_set_days(
        roster=roster, days={day(9): services.Day(people["cadre"])}, actor=people["cadre"]
    )
    with pytest.raises(ValidationError):
        services.roster_amend(
            roster=roster,
            date=day(9),
            replaced=people["cadre"],
            replacement=people["cadre2"],
            reason="x",
            actor=people["cadre"],
        )


def test_the_deadline_is_a_day_of_the_month_before_set_per_town(world, people):
    assert publish_deadline(OCT) == datetime.date(2026, 9, 25)
    assert publish_deadline(datetime.date(2026, 3, 1), 31) == datetime.date(2026, 2, 28)
    services.settings_set(town=world.town_a, publish_by_day=20, actor=people["office"])
    rows = {row.village.code: row for row in month_overview(people["office"], OCT)}
    assert set(rows) == {"VA1", "VA2"}
    assert rows["VA1"].deadline == datetime.date(2026, 9, 20)
    with pytest.raises(PermissionDenied):
        services.settings_set(town=world.town_b, publish_by_day=20, actor=people["office"])


def test_the_office_counts_villages_without_next_months_roster(world, roster, people):
    sept_today = datetime.date(2026, 9, 20)
    assert unpublished_next_month(people["office"], sept_today) == 2
    services.roster_fill(roster=roster, people=[people["cadre"]], actor=people["cadre"])
    services.roster_publish(roster=roster, actor=people["cadre"])
    assert unpublished_next_month(people["office"], sept_today) == 1
    assert unpublished_next_month(world.users["office_b"], sept_today) == 1
    assert next_duty_day(people["cadre"], day(3)) == day(8)
    assert next_duty_day(people["cadre2"], day(3)) is None
