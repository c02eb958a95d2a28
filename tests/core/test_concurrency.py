"""Two coordinators press "Accept" at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection, connections, transaction

from referrals.errors import Conflict
from referrals.models import ReferralEvent
from referrals.services.workflow import referral_transition
from tests.factories import Cast, member, referral_in_state

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_two_concurrent_accepts_one_wins_the_other_conflicts():
    referral = referral_in_state("submitted")
    cast = Cast(referral)
    second_coordinator = member(referral.receiving_center, "coordinator")
    data = {"specialist": str(cast.specialist.uuid)}
    first_locked, release_first = threading.Event(), threading.Event()
    second_pid: list[int] = []
    outcomes: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                outcomes["first"] = referral_transition(
                    referral=referral, actor=cast.center_coordinator, action="accept", data=data
                )
                first_locked.set()
                # Hold the row lock until the second request is blocked behind it.
                release_first.wait(timeout=20)
        except Exception as error:  # reported through outcomes
            outcomes["first"] = error
        finally:
            first_locked.set()
            connections.close_all()

    def second():
        first_locked.wait(timeout=20)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            outcomes["second"] = referral_transition(
                referral=referral, actor=second_coordinator, action="accept", data=data
            )
        except Exception as error:
            outcomes["second"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    blocked = False
    for _ in range(200):
        if second_pid and _waiting_on_a_lock(second_pid[0]):
            blocked = True
            break
        threading.Event().wait(0.05)
    release_first.set()
    for thread in threads:
        thread.join(timeout=30)

    assert blocked, "the second request should wait for the referral's row lock"
    assert getattr(outcomes["first"], "status", None) == "accepted"
    assert isinstance(outcomes["second"], Conflict)
    assert ReferralEvent.objects.filter(referral=referral, kind="accept").count() == 1
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.specialist == cast.specialist
