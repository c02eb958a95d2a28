"""The admin's work lists: "Late now" holds only the viewer's organization's late steps (a
practice coordinator's home no longer counts the center's late triage), others' late steps are
"Late elsewhere"; the queue and the change list cost the same queries for more rows."""

from django.urls import reverse

from referrals.models import RecordItem, Referral
from tests.admin.helpers import changelist_url
from tests.factories import RecordItemFactory
from tests.queries import assert_queries, counted_queries

Status = Referral.Status


def _late_on_both_sides(setting, count=1):
    made = []
    for _ in range(count):
        triage = setting.referral(days_late=2)  # the center's to do
        records = setting.referral(status=Status.ACCEPTED, days_late=3)  # the practice's
        RecordItemFactory(referral=records, kind=RecordItem.Kind.PATHOLOGY_REPORT)
        made.append((triage, records))
    return made


def test_each_side_s_home_counts_only_its_own_late_steps_as_late_now(client, setting):
    [(triage, records)] = _late_on_both_sides(setting)

    client.force_login(setting.coordinator)
    center = client.get(reverse("admin:index")).context["queue"]
    client.force_login(setting.referring_coordinator)
    practice = client.get(reverse("admin:index")).context["queue"]

    assert [r.reference for r in center["late"]] == [triage.reference]
    assert [r.reference for r in center["late_elsewhere"]] == [records.reference]
    assert [r.reference for r in practice["late"]] == [records.reference]
    assert [r.reference for r in practice["late_elsewhere"]] == [triage.reference]


def test_the_due_filter_splits_overdue_from_late_elsewhere(coordinator_client, setting):
    [(triage, records)] = _late_on_both_sides(setting)
    setting.referral(days_late=-2)

    def shown(**query):
        response = coordinator_client.get(changelist_url(Referral), query)
        return {r.reference for r in response.context["cl"].result_list}

    assert shown(due="overdue") == {triage.reference}
    assert shown(due="late_elsewhere") == {records.reference}
    assert shown(turn="practice") == {records.reference}
    assert shown(step="records") == {records.reference}
    assert shown(step="triage", turn="yours") == shown(step="triage")
    assert len(shown(step="triage")) == 2


def test_the_queue_and_the_filtered_change_list_cost_the_same_for_more_rows(
    coordinator_client, setting
):
    _late_on_both_sides(setting)
    pages = [
        (reverse("admin:index"), {}),
        (changelist_url(Referral), {"due": "late_elsewhere"}),
        (changelist_url(Referral), {"turn": "yours", "step": "triage"}),
    ]
    few = []
    for url, query in pages:
        with counted_queries() as counted:
            coordinator_client.get(url, query)
        few.append(len(counted))
    _late_on_both_sides(setting, count=15)
    for (url, query), before in zip(pages, few, strict=True):
        with assert_queries(exactly=before):
            coordinator_client.get(url, query)
