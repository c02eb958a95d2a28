"""Creating and editing referrals and their clinical parts through the services."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEntry
from referrals.errors import Conflict, InvalidData, NotPermitted
from referrals.models import Recommendation, Referral, ReferralEvent
from referrals.services import clinical, records
from referrals.services import referrals as referral_services
from tests.factories import (
    CancerCenterFactory,
    Cast,
    PatientFactory,
    RecommendationFactory,
    member,
    referral_in_state,
)

pytestmark = pytest.mark.django_db

CLINICAL = {
    "cancer_site": "lung",
    "diagnosis": "NSCLC adenocarcinoma",
    "reasons": ["clinical_trial_interest"],
    "clinical_question": "Is she eligible for a KRAS G12C trial?",
}


def new_referral(patient=None, center=None, **overrides):
    patient = patient or PatientFactory()
    oncologist = member(patient.organization, "referring_oncologist")
    return referral_services.referral_create(
        actor=oncologist,
        patient=patient,
        receiving_center=center or CancerCenterFactory(),
        data={**CLINICAL, **overrides},
    )


def test_a_new_referral_gets_a_reference_a_default_checklist_and_is_audited():
    first, second = new_referral(), new_referral()
    year = first.created_at.year
    assert first.reference.startswith(f"SO-{year}-") and len(first.reference) == 14
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    assert first.record_items.filter(required=True).count() == 3
    assert AuditEntry.objects.filter(action="create", object_id=str(first.uuid)).exists()
    assert ReferralEvent.objects.get(referral=first).kind == "created"


def test_a_patient_cannot_have_two_open_referrals_to_the_same_center():
    first = new_referral()
    with pytest.raises(InvalidData) as error:
        new_referral(patient=first.patient, center=first.receiving_center)
    # Asked by another oncologist, who may not see the first referral: it is not named.
    assert error.value.detail == "This patient already has an open referral to this center."
    assert error.value.extra == {"duplicate": True}

    # The database refuses it too, whatever the application does.
    duplicate = Referral.objects.get(pk=first.pk)
    duplicate.pk, duplicate.uuid, duplicate.reference = None, uuid.uuid4(), "SO-2026-999999"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_closed_referral_does_not_block_a_new_one():
    closed = referral_in_state("closed")
    again = new_referral(patient=closed.patient, center=closed.receiving_center)
    assert again.status == "draft"


def test_bad_fields_are_refused_with_field_messages():
    with pytest.raises(InvalidData) as error:
        new_referral(reasons=["because"])
    assert "reasons" in error.value.fields
    with pytest.raises(InvalidData) as error:
        new_referral(urgency="whenever")
    assert "urgency" in error.value.fields


def test_a_basic_laboratory_center_cannot_receive_referrals():
    lab = CancerCenterFactory(nci_designation="basic")
    with pytest.raises(InvalidData) as error:
        new_referral(center=lab)
    assert "receiving_center" in error.value.fields


def test_only_the_current_states_fields_may_be_edited():
    referral = referral_in_state("submitted")
    cast = Cast(referral)
    updated = referral_services.referral_update(
        actor=cast.referring_oncologist, referral=referral, data={"urgency": "urgent"}
    )
    assert updated.urgency == "urgent"
    with pytest.raises(InvalidData) as error:
        referral_services.referral_update(
            actor=cast.referring_oncologist, referral=referral, data={"cancer_site": "lung"}
        )
    assert "cancer_site" in error.value.fields
    with pytest.raises(NotPermitted):
        referral_services.referral_update(
            actor=cast.specialist, referral=referral, data={"urgency": "routine"}
        )
    entry = AuditEntry.objects.get(action="update", object_id=str(referral.uuid))
    assert entry.changes == {"urgency": ["routine", "urgent"]}


def test_a_closed_referral_is_final():
    referral = referral_in_state("closed")
    with pytest.raises(Conflict):
        referral_services.referral_update(
            actor=Cast(referral).referring_coordinator,
            referral=referral,
            data={"urgency": "urgent"},
        )


def test_a_third_opinion_starts_from_an_issued_recommendation():
    previous = referral_in_state("returned")
    cast = Cast(previous)
    still_in_review = referral_in_state("under_review")
    with pytest.raises(Conflict):
        referral_services.referral_request_next_opinion(
            actor=still_in_review.referring_oncologist,
            previous=still_in_review,
            receiving_center=CancerCenterFactory(),
        )
    third = referral_services.referral_request_next_opinion(
        actor=cast.referring_oncologist,
        previous=previous,
        receiving_center=CancerCenterFactory(),
        data={"clinical_question": "Do you agree with the second opinion?"},
    )
    assert (third.opinion_number, third.previous_referral, third.status) == (3, previous, "draft")
    assert third.cancer_site == previous.cancer_site
    assert third.record_items.count() == previous.record_items.count()


class TestRecommendation:
    def test_signed_versions_are_immutable_and_amendments_keep_the_history(self):
        referral = referral_in_state("under_review")
        referral.recommendations.all().delete()
        specialist = referral.specialist
        first = clinical.recommendation_save(
            actor=specialist,
            referral=referral,
            data={"concordance": "concurs", "summary": "Agree."},
            sign=True,
        )
        with pytest.raises(InvalidData) as error:
            clinical.recommendation_save(
                actor=specialist, referral=referral, data={"summary": "Changed my mind."}
            )
        assert "amendment_reason" in error.value.fields

        second = clinical.recommendation_save(
            actor=specialist,
            referral=referral,
            data={
                "concordance": "modifies",
                "summary": "Add radiation.",
                "amendment_reason": "Pathology review came back after signing.",
                "clinical_trials": ["NCT04380636"],
            },
            sign=True,
        )
        first.refresh_from_db()
        assert (first.version, first.summary, first.superseded_at is not None) == (
            1,
            "Agree.",
            True,
        )
        assert second.version == 2 and second.in_force
        assert [r.version for r in referral.recommendations.order_by("version")] == [1, 2]
        assert ReferralEvent.objects.filter(referral=referral, kind="recommendation_amended")

    def test_trials_must_be_nct_identifiers(self):
        referral = referral_in_state("under_review")
        referral.recommendations.all().delete()
        with pytest.raises(InvalidData) as error:
            clinical.recommendation_save(
                actor=referral.specialist,
                referral=referral,
                data={"concordance": "concurs", "summary": "x", "clinical_trials": ["NCT123"]},
            )
        assert "clinical_trials" in error.value.fields

    def test_only_the_assigned_specialist_writes_it(self):
        referral = referral_in_state("under_review")
        with pytest.raises(NotPermitted):
            clinical.recommendation_save(
                actor=Cast(referral).other_specialist, referral=referral, data={"summary": "x"}
            )

    def test_the_database_keeps_one_version_in_force_and_valid_trials(self):
        referral = referral_in_state("under_review", ready=True)
        with pytest.raises(IntegrityError), transaction.atomic():
            RecommendationFactory(referral=referral, version=2, amendment_reason="dup")
        with pytest.raises(IntegrityError), transaction.atomic():
            Recommendation.objects.filter(referral=referral).update(clinical_trials=["NCT12"])


class TestPathologyReview:
    def test_the_named_pathologist_signs_and_it_is_then_final(self):
        referral = referral_in_state("accepted")
        cast = Cast(referral)
        review = clinical.pathology_review_request(
            actor=cast.center_coordinator, referral=referral, pathologist=cast.pathologist
        )
        with pytest.raises(NotPermitted):
            clinical.pathology_review_update(
                actor=member(referral.receiving_center, "pathologist"), review=review, data={}
            )
        with pytest.raises(InvalidData) as error:
            clinical.pathology_review_update(
                actor=cast.pathologist, review=review, data={}, sign=True
            )
        assert {"review_diagnosis", "discrepancy"} <= set(error.value.fields)
        clinical.pathology_review_update(
            actor=cast.pathologist,
            review=review,
            data={"specimens_reviewed": "A1", "review_diagnosis": "DLBCL", "discrepancy": "none"},
            sign=True,
        )
        with pytest.raises(Conflict):
            clinical.pathology_review_update(
                actor=cast.pathologist, review=review, data={"comments": "late edit"}
            )

    def test_only_a_pathologist_of_the_center_can_be_named(self):
        referral = referral_in_state("accepted")
        with pytest.raises(InvalidData):
            clinical.pathology_review_request(
                actor=Cast(referral).center_coordinator,
                referral=referral,
                pathologist=Cast(referral_in_state("accepted")).pathologist,
            )


def test_progress_updates_come_after_the_return_and_are_answered_once():
    referral = referral_in_state("monitoring")
    cast = Cast(referral)
    still_in_review = referral_in_state("under_review")
    with pytest.raises(Conflict):
        clinical.progress_update_create(
            actor=still_in_review.referring_oncologist, referral=still_in_review, data={}
        )
    update = clinical.progress_update_create(
        actor=cast.referring_oncologist,
        referral=referral,
        data={"response": "stable", "recommendation_followed": "yes", "question": "Continue?"},
    )
    referral.refresh_from_db()
    assert referral.next_update_due == update.update_date + datetime.timedelta(days=30)
    with pytest.raises(NotPermitted):
        clinical.progress_update_reply(actor=cast.other_specialist, update=update, advice="x")
    clinical.progress_update_reply(actor=cast.specialist, update=update, advice="Continue.")
    with pytest.raises(Conflict):
        clinical.progress_update_reply(actor=cast.specialist, update=update, advice="Again")


def test_the_timeline_is_append_only_in_the_database():
    referral = referral_in_state("submitted")
    records.record_item_add(
        actor=Cast(referral).center_coordinator,
        referral=referral,
        data={"kind": "molecular_report", "required": False},
    )
    event = ReferralEvent.objects.filter(referral=referral).first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        ReferralEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM referrals_referralevent WHERE id = %s", [event.pk])
    assert ReferralEvent.objects.filter(pk=event.pk, note="").exists()
