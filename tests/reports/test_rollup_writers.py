"""The rollups' writers (migration reports 0009): coordinators at different centers change
their referrals at the same moment without waiting for each other's commit, and the one
statement per table rebuild (for bulk loads without triggers) gives what the triggers keep."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from referrals.models import Recommendation, Referral
from referrals.services.workflow import referral_transition
from reports.filters import ReportFilters
from reports.rollups import rebuild_rollups
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    PatientFactory,
    UserFactory,
    referral_in_state,
)
from tests.reports.test_rollups import (
    both_ways,
    live_histograms,
    live_linked,
    live_per_status,
    rolled_up_histograms,
    rolled_up_linked,
    rolled_up_per_status,
)

Status = Referral.Status
SUBMITTED = datetime.datetime(2025, 3, 3, 10, tzinfo=datetime.UTC)
ROLLUPS = [
    "reports_referral_rollup",
    "reports_referral_reason_rollup",
    "reports_referral_issued_rollup",
    "reports_stage_histogram",
    "reports_referral_linked_rollup",
    "reports_level_count",
    "reports_referral_followers",
]
PRIMARY_KEY_COLUMNS = """
SELECT attribute.attname FROM pg_index AS index
JOIN pg_attribute AS attribute
    ON attribute.attrelid = index.indrelid AND attribute.attnum = ANY(index.indkey)
WHERE index.indrelid = %s::regclass AND index.indisprimary
"""


def rollup_rows() -> dict[str, set[tuple]]:
    """Every rollup's rows, less those whose counts are all 0 (a key whose referrals left)."""
    rows = {}
    with connection.cursor() as cursor:
        for table in ROLLUPS:
            cursor.execute(PRIMARY_KEY_COLUMNS, [table])
            key = {name for (name,) in cursor.fetchall()}
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (the names above)
            counts = [index for index, column in enumerate(cursor.description)
                      if column.name not in key]  # fmt: skip
            rows[table] = {row for row in cursor.fetchall() if any(row[index] for index in counts)}
    return rows


@pytest.mark.django_db
def test_rebuilding_the_rollups_gives_what_the_triggers_kept(known_data):
    # Writes of every kind first: a move to the other center and site, in one statement.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_referral SET cancer_site = 'lung', receiving_center_id = %s"
            " WHERE id IN (%s, %s)",
            [known_data.center_b.pk, known_data.referrals["r1"].pk, known_data.referrals["r2"].pk],
        )
    Referral.objects.filter(pk=known_data.referrals["r4"].pk).update(
        status=Status.CANCELLED, cancel_reason_code="patient_withdrew"
    )
    Recommendation.objects.filter(referral=known_data.referrals["r1"]).update(
        concordance="modifies"
    )
    kept = rollup_rows()
    assert all(kept[table] for table in ROLLUPS)

    rebuild_rollups()

    assert rollup_rows() == kept
    assert rolled_up_per_status() == live_per_status()
    assert rolled_up_histograms() == live_histograms()
    assert rolled_up_linked() == live_linked()
    from_rollups, counted = both_ways(UserFactory(is_superuser=True), ReportFilters())
    assert from_rollups == counted


@pytest.mark.django_db
def test_rebuilding_moves_the_dashboards_version():
    from reports.rollups import rollups_changed

    before = rollups_changed()
    rebuild_rollups()
    after = rollups_changed()
    assert after.version > before.version and after.changed_at > before.changed_at


def _backend_waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def _accept_while_another_accept_is_uncommitted(first: Referral, second: Referral) -> dict:
    """Accept `first` and hold its transaction open; meanwhile accept `second` on another
    connection. Returns whether the second waited on a lock, and both outcomes."""
    casts = {"first": Cast(first), "second": Cast(second)}
    first_written, release_first = threading.Event(), threading.Event()
    second_pid: list[int] = []
    outcome: dict = {"second_waited": False}

    def accept(name: str, referral: Referral):
        cast = casts[name]
        return referral_transition(
            referral=referral, actor=cast.center_coordinator, action="accept",
            data={"specialist": str(cast.specialist.uuid)},
        )  # fmt: skip

    def run_first():
        try:
            with transaction.atomic():
                outcome["first"] = accept("first", first).status
                first_written.set()
                release_first.wait(timeout=30)  # uncommitted until the second is done
        except Exception as error:  # reported through outcome
            outcome["first"] = error
        finally:
            first_written.set()
            connections.close_all()

    def run_second():
        first_written.wait(timeout=30)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            outcome["second"] = accept("second", second).status
        except Exception as error:
            outcome["second"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    second_thread = threads[1]
    deadline = time.monotonic() + 5
    while second_thread.is_alive() and time.monotonic() < deadline:
        if second_pid and _backend_waits_on_a_lock(second_pid[0]):
            outcome["second_waited"] = True
            break
        time.sleep(0.02)
    # Whether it waited or not, the second is done (or waiting) while the first is open.
    outcome["second_done_before_first_commit"] = not second_thread.is_alive()
    release_first.set()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


@pytest.mark.django_db(transaction=True)
def test_coordinators_at_two_centers_accept_at_once_without_waiting_for_each_other():
    practice = CommunityPracticeFactory()  # one practice refers to both centers
    first, second = (
        referral_in_state(
            Status.SUBMITTED,
            patient=PatientFactory(organization=practice),
            receiving_center=CancerCenterFactory(name=name),
            submitted_at=SUBMITTED,
        )
        for name in ("Center East", "Center West")
    )

    outcome = _accept_while_another_accept_is_uncommitted(first, second)

    assert outcome["first"] == outcome["second"] == Status.ACCEPTED
    assert not outcome["second_waited"]
    assert outcome["second_done_before_first_commit"]
    assert rolled_up_per_status() == live_per_status() == {Status.ACCEPTED: 2}
    assert rolled_up_histograms() == live_histograms()


@pytest.mark.django_db(transaction=True)
def test_coordinators_at_one_center_still_take_turns():
    """The control of the test above: the same two writes at one center wait (its rollup
    rows and change marker are shared), so the test above would see a wait."""
    center = CancerCenterFactory(name="Center North")
    first, second = (
        referral_in_state(Status.SUBMITTED, receiving_center=center, submitted_at=SUBMITTED)
        for _ in range(2)
    )

    outcome = _accept_while_another_accept_is_uncommitted(first, second)

    assert outcome["second_waited"]
    assert outcome["first"] == outcome["second"] == Status.ACCEPTED
    assert rolled_up_per_status() == live_per_status() == {Status.ACCEPTED: 2}
