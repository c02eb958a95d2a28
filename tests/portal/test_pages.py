"""The portal's pages through Django's test client: access, audit, errors, query counts."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from audit.models import AuditEntry
from referrals.models import Recommendation, RecordAttachment, Referral
from referrals.services import clinical, records
from tests.factories import (
    CancerCenterFactory,
    Cast,
    CommunityPracticeFactory,
    PathologyReviewFactory,
    PatientFactory,
    RecordItemFactory,
    ReferralFactory,
    member,
    referral_in_state,
)
from tests.queries import assert_queries

Role = Membership.Role
Status = Referral.Status
PASSWORD = "correct horse battery"
pytestmark = pytest.mark.django_db


def detail_url(referral):
    return reverse("portal:referral-detail", kwargs={"uuid": referral.uuid})


def test_the_referral_page_url_is_the_one_emails_link_to():
    referral = ReferralFactory()
    assert detail_url(referral) == f"/referrals/{referral.uuid}/"


def test_log_in_with_email_then_log_out(client):
    user = member(CancerCenterFactory(), Role.SPECIALIST, email="dr.lee@center.example")
    response = client.post(
        "/accounts/login/", {"username": "Dr.Lee@center.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/")
    assert "Referrals assigned to me" in home.content.decode()
    assert user.display_name in home.content.decode()
    client.post("/accounts/logout/")
    assert client.get("/").url.startswith("/accounts/login/")


def test_a_wrong_password_is_refused_and_keeps_the_email(client):
    member(CancerCenterFactory(), Role.SPECIALIST, email="dr.lee@center.example")
    response = client.post(
        "/accounts/login/", {"username": "dr.lee@center.example", "password": "wrong"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct" in page and 'value="dr.lee@center.example"' in page


def test_password_reset_by_email_sets_a_new_password(client):
    member(CancerCenterFactory(), Role.PATHOLOGIST, email="path@center.example")
    client.post("/accounts/password_reset/", {"email": "path@center.example"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new_password = "a brand new passphrase 42"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    assert client.login(username="path@center.example", password=new_password)


@pytest.mark.parametrize("who", ["other_center_specialist", "other_oncologist", "analyst"])
def test_people_who_may_not_see_a_referral_get_404(client, who):
    referral = referral_in_state(Status.UNDER_REVIEW)
    cast = Cast(referral)
    people = {
        "other_center_specialist": member(CancerCenterFactory(), Role.SPECIALIST),
        "other_oncologist": cast.other_oncologist,
        "analyst": cast.analyst,
    }
    client.force_login(people[who])
    assert client.get(detail_url(referral)).status_code == 404
    assert client.get(reverse("portal:recommendation-edit", args=[referral.uuid])).status_code == (
        404
    )


def test_reading_a_referral_is_audited(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    client.force_login(referral.specialist)
    response = client.get(detail_url(referral))
    assert response.status_code == 200
    assert referral.clinical_question in response.content.decode()
    entry = AuditEntry.objects.get(action="view", referral_id=referral.pk)
    assert entry.actor == referral.specialist and entry.interface == "portal"


def test_files_are_served_only_to_people_who_see_the_referral_and_each_read_is_audited(client):
    referral = referral_in_state(Status.ACCEPTED)
    cast = Cast(referral)
    item = referral.record_items.get()
    attachment = records.attachment_add(
        actor=cast.referring_oncologist,
        item=item,
        uploaded_file=SimpleUploadedFile(
            "pathology.pdf", b"%PDF-1.4 report", content_type="application/pdf"
        ),
    )
    url = reverse("portal:attachment-download", args=[attachment.uuid])
    client.force_login(cast.other_oncologist)
    assert client.get(url).status_code == 404
    client.force_login(referral.specialist)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 report"
    assert 'filename="pathology.pdf"' in response["Content-Disposition"]
    assert AuditEntry.objects.filter(
        action="view", actor=referral.specialist, object_id=str(attachment.uuid)
    ).exists()


def test_an_action_the_user_may_not_take_answers_the_403_page(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    client.force_login(referral.referring_oncologist)
    response = client.get(reverse("portal:recommendation-edit", args=[referral.uuid]))
    assert response.status_code == 403
    assert "Only the assigned specialist" in response.content.decode()


def test_an_action_no_longer_possible_shows_a_message_on_the_referral_page(client):
    referral = referral_in_state(Status.SUBMITTED)
    client.force_login(referral.referring_oncologist)
    url = reverse("portal:referral-action", args=[referral.uuid, "submit"])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == detail_url(referral)
    assert "“Submit” is not allowed while the referral is submitted." in response.content.decode()


def test_a_bad_trial_number_is_shown_next_to_its_field_and_the_text_is_kept(client):
    referral = referral_in_state(Status.UNDER_REVIEW)
    client.force_login(referral.specialist)
    response = client.post(
        reverse("portal:recommendation-edit", args=[referral.uuid]),
        {
            "concordance": "modifies",
            "summary": "Add radiation before surgery.",
            "clinical_trials": "NCT01234567, NCT12",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "&#x27;NCT12&#x27; is not an NCT identifier" in page
    assert 'value="NCT01234567, NCT12"' in page
    assert "Add radiation before surgery.</textarea>" in page
    assert not Recommendation.objects.filter(referral=referral).exists()


def _add_work(role: str, user, center, practice) -> None:
    """One more row in `user`'s work list."""
    patient = PatientFactory(organization=practice)
    if role == "referring_oncologist":
        referral = ReferralFactory(
            patient=patient,
            receiving_center=center,
            referring_oncologist=user,
            status=Status.SUBMITTED,
        )
    else:
        specialist = user if role == "specialist" else member(center, Role.SPECIALIST)
        referral = ReferralFactory(
            patient=patient,
            receiving_center=center,
            specialist=specialist,
            status=Status.UNDER_REVIEW,
        )
        if role == "pathologist":
            PathologyReviewFactory(referral=referral, pathologist=user, requested_by=user)
    RecordItemFactory(referral=referral, kind="pathology_slides")


@pytest.mark.parametrize("role", ["specialist", "pathologist", "referring_oncologist"])
def test_a_work_list_costs_the_same_queries_for_many_rows(client, role):
    center, practice = CancerCenterFactory(), CommunityPracticeFactory()
    user = member(practice if role == "referring_oncologist" else center, role)
    for _ in range(2):
        _add_work(role, user, center, practice)
    client.force_login(user)
    # A pathologist's reviews read their referrals' steps in one more query; every page
    # reads the header's unread count.
    with assert_queries(at_most=11 if role == "pathologist" else 10) as few:
        client.get("/")
    for _ in range(8):
        _add_work(role, user, center, practice)
    with assert_queries(at_most=len(few.captured_queries)):
        page = client.get("/").content.decode()
    assert len(re.findall(r">SO-\d{4}-\d{6}</a>", page)) == 10


def test_the_referral_page_costs_the_same_queries_however_long_its_history(client):
    referral = referral_in_state(Status.MONITORING)
    cast = Cast(referral)
    client.force_login(referral.specialist)

    def grow():
        item = RecordItemFactory(referral=referral, kind="pathology_slides", status="received")
        # Written directly: the service accepts files only while the case is active.
        attachment = RecordAttachment(
            record_item=item,
            original_name="slides.pdf",
            content_type="application/pdf",
            size=4,
            uploaded_by=referral.referring_oncologist,
        )
        attachment.file.save("slides.pdf", ContentFile(b"%PDF"), save=True)
        PathologyReviewFactory(referral=referral, pathologist=cast.pathologist)
        clinical.progress_update_create(
            actor=referral.referring_oncologist,
            referral=referral,
            data={"note": "Stable.", "recommendation_followed": "yes"},
        )

    grow()
    with assert_queries(at_most=25) as few:
        client.get(detail_url(referral))
    for _ in range(5):
        grow()
    with assert_queries(at_most=len(few.captured_queries)):
        page = client.get(detail_url(referral)).content.decode()
    assert page.count("Progress update posted") == 6
    assert page.count("slides.pdf") == 6


def test_the_specialist_sees_which_referral_is_overdue(client):
    center = CancerCenterFactory()
    specialist = member(center, Role.SPECIALIST)
    today = timezone.localdate()
    late = ReferralFactory(
        receiving_center=center,
        specialist=specialist,
        status=Status.UNDER_REVIEW,
        next_due=today - datetime.timedelta(days=2),
    )
    on_time = ReferralFactory(
        receiving_center=center,
        specialist=specialist,
        status=Status.UNDER_REVIEW,
        next_due=today + datetime.timedelta(days=3),
    )
    client.force_login(specialist)
    page = client.get("/").content.decode()
    rows = {
        ref: re.search(rf"<tr[^>]*>\s*<td[^>]*><a[^>]*>{ref}</a>.*?</tr>", page, re.S).group(0)
        for ref in (late.reference, on_time.reference)
    }
    assert "Overdue" in rows[late.reference] and 'class="overdue"' in rows[late.reference]
    assert "Overdue" not in rows[on_time.reference]
    # Soonest due first.
    assert page.index(late.reference) < page.index(on_time.reference)
