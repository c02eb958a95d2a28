"""The figures of where referrals stall (DESIGN §6, issue 13): why they are declined or
cancelled (by coded reason), how often patients miss the consult, and how often slides and
blocks go back late (the forward rate comes from the counts by status).

Without a period these come with the other level counts of the rollups (migrations
reports 0010 and 0012, reports.rollups): no query of their own, whatever the volume. With a
period (or a scope no level answers), one query on PostgreSQL: subqueries over the report's
referrals (reports.selectors.report_referrals), read as JSON; for every referral (no scope,
no filter) the consults and records are counted without matching them to the referrals (a
draft has neither a consult nor a return date). SQLite (the embedded `make run`) runs the
same counts as a few ORM queries.

Definitions:
- reasons: declined (cancelled) referrals per `reason_code`.
- no-show rate: appointments marked no-show / appointments attended or missed (no-show),
  counting each consult's current appointment and its earlier ones.
- slides returned late: physical items with a return date (10 business days after the
  recommendation is issued) returned after that date, or still at the center after it /
  the items with a return date.
"""

import datetime

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from referrals.models import Consultation, ConsultationAppointment, RecordItem, Referral

Status = Referral.Status
NO_SHOW, ATTENDED = Consultation.Attendance.NO_SHOW, Consultation.Attendance.ATTENDED

FLOW_SQL = """
SELECT (
    SELECT json_agg(reason) FROM ({reasons}) AS reason
), (
    SELECT json_build_object(
        'attended', COUNT(*) FILTER (WHERE attendance = 'attended'),
        'no_show', COUNT(*) FILTER (WHERE attendance = 'no_show'))
    FROM referrals_consultation WHERE {consult_condition}
), (
    SELECT COUNT(*) FROM referrals_consultationappointment AS earlier
    JOIN referrals_consultation ON referrals_consultation.id = earlier.consultation_id
    WHERE earlier.attendance = 'no_show' AND {consult_condition}
), (
    SELECT json_build_object(
        'with_date', COUNT(*),
        'returned_late', COUNT(*) FILTER (
            WHERE status = 'returned' AND (returned_at AT TIME ZONE %s)::date > return_due),
        'out_late', COUNT(*) FILTER (WHERE status = 'received' AND return_due < %s))
    FROM referrals_recorditem WHERE return_due IS NOT NULL AND {item_condition}
)
"""


def _reasons(referrals: QuerySet[Referral]) -> QuerySet:
    return (
        referrals.filter(status__in=[Status.DECLINED, Status.CANCELLED])
        .values("status", "decline_reason_code", "cancel_reason_code")
        .annotate(count=Count("*"))
        .order_by()
    )


def no_counts() -> dict:
    """flow_counts' shape with nothing counted (reports.rollups fills it from the levels)."""
    return {
        "declined": {},
        "cancelled": {},
        "attended": 0,
        "no_show": 0,
        "slides": {"with_date": 0, "returned_late": 0, "out_late": 0},
    }


def flow_counts(referrals: QuerySet[Referral], *, every_referral: bool) -> dict:
    """The raw counts: reasons per (status, code), consult attendance, slides' returns."""
    today = timezone.localdate()
    if connection.vendor != "postgresql":
        return _counts_with_the_orm(referrals, today=today)
    reasons_sql, reasons_params = _reasons(referrals).query.sql_with_params()
    ids_sql, ids_params = referrals.values("pk").query.sql_with_params()
    if every_referral:
        consult_condition = item_condition = "TRUE"
        ids_params = ()
    else:
        consult_condition = f"referrals_consultation.referral_id IN ({ids_sql})"
        item_condition = f"referral_id IN ({ids_sql})"
    sql = FLOW_SQL.format(
        reasons=reasons_sql, consult_condition=consult_condition, item_condition=item_condition
    )
    params = [
        *reasons_params,
        *ids_params,
        *ids_params,
        timezone.get_current_timezone_name(),
        today,
        *ids_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        reasons, consults, earlier_no_shows, slides = cursor.fetchone()
    return _shaped(reasons or [], consults, earlier_no_shows, slides)


def _counts_with_the_orm(referrals: QuerySet[Referral], *, today: datetime.date) -> dict:
    consults = Consultation.objects.filter(referral__in=referrals.values("pk")).aggregate(
        attended=Count("pk", filter=Q(attendance=ATTENDED)),
        no_show=Count("pk", filter=Q(attendance=NO_SHOW)),
    )
    earlier = ConsultationAppointment.objects.filter(
        consultation__referral__in=referrals.values("pk"), attendance=NO_SHOW
    ).count()
    items = RecordItem.objects.filter(
        referral__in=referrals.values("pk"), return_due__isnull=False
    ).annotate(returned_on=TruncDate("returned_at"))
    slides = {
        "with_date": items.count(),
        "returned_late": sum(
            1
            for returned_on, due in items.filter(status=RecordItem.Status.RETURNED).values_list(
                "returned_on", "return_due"
            )
            if returned_on > due
        ),
        "out_late": items.filter(status=RecordItem.Status.RECEIVED, return_due__lt=today).count(),
    }
    return _shaped(list(_reasons(referrals)), consults, earlier, slides)


# The code each final state's reason is coded in.
CODE_OF = {"declined": "decline_reason_code", "cancelled": "cancel_reason_code"}


def _shaped(reasons: list[dict], consults: dict, earlier_no_shows: int, slides: dict) -> dict:
    # A row per (status, decline code, cancel code), summed per code of its status (a
    # cancelled referral's decline code, which no workflow sets, counts for nothing).
    codes: dict[str, dict[str, int]] = {status: {} for status in CODE_OF}
    for row in reasons:
        if row["status"] in CODE_OF:
            counted, code = codes[row["status"]], row[CODE_OF[row["status"]]]
            counted[code] = counted.get(code, 0) + row["count"]
    return {
        **codes,
        "attended": consults["attended"],
        "no_show": consults["no_show"] + earlier_no_shows,
        "slides": slides,
    }


def flow_figures(counts: dict, *, total: int, forwarded: int, share) -> dict:
    """The summary's sections of these figures (`share` as reports.selectors.share)."""
    held_or_missed = counts["attended"] + counts["no_show"]
    slides = counts["slides"]
    late = slides["returned_late"] + slides["out_late"]
    return {
        "decline_reasons": [
            {"reason_code": code, "label": label, "count": counts["declined"].get(code, 0)}
            for code, label in Referral.DeclineReasonCode.choices
        ],
        "cancel_reasons": [
            {"reason_code": code, "label": label, "count": counts["cancelled"].get(code, 0)}
            for code, label in Referral.CancelReasonCode.choices
        ],
        "forwarding": {"referrals": total, "forwarded": forwarded, "rate": share(forwarded, total)},
        "no_show": {
            "appointments": held_or_missed,
            "no_shows": counts["no_show"],
            "rate": share(counts["no_show"], held_or_missed),
        },
        "slide_return": {
            "items": slides["with_date"],
            "returned_late": slides["returned_late"],
            "still_out_late": slides["out_late"],
            "late_share": share(late, slides["with_date"]),
        },
    }
