"""Nothing clinical is hard-deleted: a referral is cancelled instead, its history kept."""

import pytest
from django.db import DatabaseError, connection, transaction

from referrals.models import Patient, Referral, ReferralEvent
from referrals.services.workflow import referral_transition
from tests.factories import Cast, PatientFactory, ReferralFactory, referral_in_state

pytestmark = pytest.mark.django_db


def refused_by_database(statement):
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        statement()
    return str(refused.value)


def test_deleting_a_referral_through_the_orm_is_refused():
    referral = ReferralFactory()

    message = refused_by_database(referral.delete)

    assert "referrals_referral rows are kept for the medical record" in message
    assert Referral.objects.filter(pk=referral.pk).exists()


def test_deleting_a_referral_with_a_history_is_refused_and_the_history_kept():
    referral = referral_in_state(Referral.Status.SUBMITTED)
    cast = Cast(referral)
    referral_transition(
        referral=referral,
        actor=cast.center_coordinator,
        action="cancel",
        data={"reason_code": "entered_in_error"},
    )
    events = ReferralEvent.objects.filter(referral=referral).count()
    assert events

    refused_by_database(Referral.objects.filter(pk=referral.pk).delete)

    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.CANCELLED
    assert ReferralEvent.objects.filter(referral=referral).count() == events


def test_deleting_a_patient_is_refused_even_with_sql():
    patient = PatientFactory()

    assert "referrals_patient rows are kept" in refused_by_database(patient.delete)

    def delete_by_sql():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM referrals_patient WHERE id = %s", [patient.pk])

    assert "DELETE refused" in refused_by_database(delete_by_sql)
    assert Patient.objects.filter(pk=patient.pk).exists()
