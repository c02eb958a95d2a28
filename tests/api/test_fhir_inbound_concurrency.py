"""An EHR that retries at once: two copies of the same bundle arrive together, and both are
answered with the one referral they made."""

import threading

import pytest
from django.db import connections

from referrals.fhir.inbound import receive_transaction
from referrals.models import ExternalIdentifier, Patient, Referral
from tests.api.test_fhir_inbound import Practice, referral_bundle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("patient_known", [False, True])
def test_two_copies_of_a_bundle_at_once_make_one_referral(patient_known):
    practice = Practice()
    if patient_known:
        Patient.objects.create(
            organization=practice.organization,
            mrn="EHR-55501",
            given_name="Zqxknown",
            family_name="Zqxpatient",
            date_of_birth="1968-03-14",
            consent_to_share_records=True,
        )
    start = threading.Barrier(2)
    outcomes = []

    def send(actor):
        try:
            start.wait(timeout=20)
            outcomes.append(receive_transaction(actor=actor, bundle=referral_bundle(practice)))
        except Exception as error:  # reported through outcomes
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=(user,))
        for user in (practice.coordinator, practice.oncologist)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes
    referral = Referral.objects.get()
    assert {outcome.referral.pk for outcome in outcomes} == {referral.pk}
    assert sorted(outcome.created for outcome in outcomes) == [False, True]
    assert ExternalIdentifier.objects.count() == 1
    assert Patient.objects.count() == 1
