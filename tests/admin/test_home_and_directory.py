"""The coordinator's home page, the center directory and the SLA policy."""

from django.urls import reverse

from accounts.models import IntakeRule
from audit.models import AuditEntry
from referrals.models import Referral
from reminders.models import SLAPolicy
from tests.admin.helpers import form_data
from tests.admin.test_change_form import workflow_url
from tests.factories import CancerCenterFactory
from tests.queries import assert_queries, counted_queries

Status = Referral.Status


def test_home_shows_my_centers_queue_late_now_and_due_this_week(coordinator_client, setting):
    late = setting.referral(days_late=3)
    due_soon = setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, days_late=-2)
    setting.referral(status=Status.ACCEPTED, specialist=setting.specialist, days_late=-30)
    elsewhere = setting.referral(receiving_center=setting.other_center, days_late=5)

    response = coordinator_client.get(reverse("admin:index"))

    page = response.content.decode()
    assert "Second Opinion Tracker" in page
    counts = {row["status"]: row["count"] for row in response.context["queue"]["by_status"]}
    assert (counts["submitted"], counts["accepted"], counts["under_review"]) == (1, 2, 0)
    assert [r.reference for r in response.context["queue"]["late"]] == [late.reference]
    assert [r.reference for r in response.context["queue"]["due_this_week"]] == [due_soon.reference]
    assert elsewhere.reference not in page


def test_the_home_page_query_count_does_not_grow_with_referrals(coordinator_client, setting):
    for days in range(3):
        setting.referral(days_late=days - 1)
    with counted_queries() as few:
        coordinator_client.get(reverse("admin:index"))

    for days in range(40):
        setting.referral(days_late=days % 9 - 4)
    with assert_queries(exactly=len(few)):
        coordinator_client.get(reverse("admin:index"))


def _organization_url(organization):
    return reverse("admin:accounts_organization_change", args=(organization.uuid,))


def test_a_coordinator_edits_their_centers_contact_and_intake_rules(coordinator_client, setting):
    url = _organization_url(setting.center)
    data = form_data(coordinator_client.get(url), "organization_form")
    data.update(
        {
            "contact_email": "intake@center.example",
            "lead_coordinator": setting.coordinator.pk,
            "intake_rules-TOTAL_FORMS": "1",
            "intake_rules-0-cancer_site": "sarcoma",
            "intake_rules-0-center": setting.center.pk,
        }
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    setting.center.refresh_from_db()
    assert setting.center.contact_email == "intake@center.example"
    assert setting.center.lead_coordinator == setting.coordinator
    assert list(IntakeRule.objects.filter(center=setting.center).values_list("cancer_site")) == [
        ("sarcoma",)
    ]
    assert AuditEntry.objects.filter(object_type="accounts.Organization", action="update").exists()


def test_the_lead_coordinator_must_coordinate_at_the_center(coordinator_client, setting):
    url = _organization_url(setting.center)
    data = form_data(coordinator_client.get(url), "organization_form")
    data["lead_coordinator"] = setting.other_coordinator.pk

    response = coordinator_client.post(url, data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_another_centers_directory_entry_is_read_only(coordinator_client, setting):
    url = _organization_url(setting.other_center)
    data = form_data(coordinator_client.get(url), "organization_form")
    data["contact_email"] = "hijack@example.org"

    assert coordinator_client.post(url, data).status_code == 403
    setting.other_center.refresh_from_db()
    assert setting.other_center.contact_email == ""


def test_a_coordinator_sets_their_centers_sla_policy_only(coordinator_client, setting):
    url = reverse("admin:reminders_slapolicy_add")
    form = coordinator_client.get(url).context["adminform"].form
    assert list(form.fields["center"].queryset) == [setting.center]

    response = coordinator_client.post(
        url,
        {
            "center": setting.center.pk,
            "urgency": "urgent",
            "triage_days": 1,
            "records_days": 5,
            "recommendation_days": 3,
            "return_days": 2,
        },
    )
    refused = coordinator_client.post(
        url,
        {
            "center": setting.other_center.pk,
            "urgency": "urgent",
            "triage_days": 9,
            "records_days": 9,
            "recommendation_days": 9,
            "return_days": 9,
        },
    )

    assert response.status_code == 302
    assert SLAPolicy.objects.get(center=setting.center).recommendation_days == 3
    assert refused.status_code == 200
    assert not SLAPolicy.objects.filter(center=setting.other_center).exists()


def test_submitting_to_a_center_that_does_not_take_the_site_names_centers_that_do(client, setting):
    IntakeRule.objects.create(center=setting.center, cancer_site="lung")
    breast_center = CancerCenterFactory(name="Breast Specialists Cancer Center")
    draft = setting.referral(status=Status.DRAFT, items=1, submitted_at=None)
    client.force_login(setting.referring_coordinator)

    response = client.post(workflow_url(draft, "submit"))

    page = response.content.decode()
    assert f"{setting.center.name} does not accept breast cancer referrals." in page
    assert breast_center.name in page
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_sla_policy_and_holidays_are_listed_under_the_reminders_app(coordinator_client):
    index = coordinator_client.get(reverse("admin:index"))
    models_by_app = {
        app["app_label"]: {model["object_name"] for model in app["models"]}
        for app in index.context["app_list"]
    }

    assert {"SLAPolicy", "Holiday"} <= models_by_app["reminders"]
    assert not {"SLAPolicy", "Holiday", "Reminder"} & models_by_app.get("referrals", set())
