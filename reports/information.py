"""The information-request and follow-up figures of DESIGN §6, in one query.

- information requests: the share of the reported referrals with at least one, how many are
  open, and the median wait of the answered ones, in business days (the days the paused step
  moved by) and in days.
- recommendations followed: of the reported referrals whose latest progress update says
  whether the recommendation is followed, the share of each answer (yes, partly, no, not yet).
- and the referrals that ever waited, for reports.paused (few rows: read through the requests).

The requests and updates are read through their referral's key (indexed), so the cost follows
the number of requests and updates in the report, not of the referrals.
"""

import datetime
import json
import statistics

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime, parse_duration

from referrals.models import InformationRequest, ProgressUpdate, Referral
from reports.paused import WAIT_FIELDS, ZERO

PAUSED_COLUMNS = [
    "submitted_at", "accepted_at", "review_started_at", "recommendation_issued_at", "returned_at",
    *WAIT_FIELDS,
]  # fmt: skip

SQL = """
SELECT (
    SELECT json_agg(row_to_json(paused)) FROM ({paused}) AS paused
) AS paused, (
    SELECT row_to_json(figures) FROM (
        SELECT COUNT(DISTINCT asked.referral_id) AS referrals, COUNT(*) AS requests,
            COUNT(*) FILTER (WHERE asked.answered_at IS NULL) AS open,
            PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY asked.business_days_waited)
                AS median_business_days,
            PERCENTILE_CONT(0.5) WITHIN GROUP (
                ORDER BY DATE_PART('epoch', asked.answered_at - asked.asked_at) / 86400.0
            ) AS median_days
        FROM ({requests}) AS asked
    ) AS figures
) AS requests, (
    SELECT json_object_agg(latest.recommendation_followed, latest.count) FROM (
        SELECT latest.recommendation_followed, COUNT(*) AS count
        FROM ({latest}) AS latest GROUP BY 1
    ) AS latest
) AS followed
"""


def _querysets(referrals: QuerySet[Referral]):
    ever_waited = InformationRequest.objects.filter(answered_at__isnull=False).values("referral_id")
    paused = referrals.filter(
        Q(information_wait_accepted__gt=ZERO) | Q(information_wait_under_review__gt=ZERO),
        pk__in=ever_waited,
    ).values(*PAUSED_COLUMNS)
    requests = InformationRequest.objects.filter(referral__in=referrals.values("pk")).values(
        "referral_id", "asked_at", "answered_at", "business_days_waited"
    )
    latest = (
        ProgressUpdate.objects.filter(referral__in=referrals.values("pk"))
        .exclude(recommendation_followed="")
        .order_by("referral_id", "-update_date", "-created_at", "-id")
        .distinct("referral_id")
        .values("recommendation_followed")
    )
    return paused, requests, latest


def information_figures(referrals: QuerySet[Referral], *, total: int) -> dict:
    """{"paused": rows for reports.paused, "information_requests": ..., "followed": ...}."""
    paused, requests, latest = _querysets(referrals)
    if connection.vendor == "postgresql":
        parts = [queryset.query.sql_with_params() for queryset in (paused, requests, latest)]
        sql = SQL.format(paused=parts[0][0], requests=parts[1][0], latest=parts[2][0])
        with connection.cursor() as cursor:
            cursor.execute(sql, [param for _, params in parts for param in params])
            paused_rows, asked, followed = cursor.fetchone()
        paused_rows = [_parsed(row) for row in _json(paused_rows) or []]
        asked, followed = _json(asked), _json(followed) or {}
    else:  # SQLite (embedded make run): three small queries
        paused_rows = list(paused)
        asked = _requests_in_python(list(requests))
        followed = {}
        for row in _latest_in_python(referrals):
            followed[row] = followed.get(row, 0) + 1
    return {
        "paused": paused_rows,
        "information_requests": _request_figures(asked, total),
        "recommendation_followed": _followed_figures(followed),
    }


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _parsed(row: dict) -> dict:
    parsed = {}
    for name, value in row.items():
        if value is None or name not in WAIT_FIELDS and not isinstance(value, str):
            parsed[name] = value
        elif name in WAIT_FIELDS:
            parsed[name] = _interval(value)
        else:
            parsed[name] = parse_datetime(value)
    return parsed


def _interval(value) -> datetime.timedelta:
    # PostgreSQL's interval in JSON: "1 day 02:00:00" or "02:00:00" (intervalstyle postgres).
    if isinstance(value, int | float):
        return datetime.timedelta(microseconds=value)
    return parse_duration(value.replace(" days ", " ").replace(" day ", " ")) or ZERO


def _requests_in_python(rows: list[dict]) -> dict:
    answered = [row for row in rows if row["answered_at"] is not None]
    return {
        "referrals": len({row["referral_id"] for row in rows}),
        "requests": len(rows),
        "open": len(rows) - len(answered),
        "median_business_days": statistics.median([row["business_days_waited"] for row in answered])
        if answered
        else None,
        "median_days": statistics.median(
            [(row["answered_at"] - row["asked_at"]).total_seconds() / 86400 for row in answered]
        )
        if answered
        else None,
    }


def _latest_in_python(referrals: QuerySet[Referral]) -> list[str]:
    seen, found = set(), []
    updates = (
        ProgressUpdate.objects.filter(referral__in=referrals.values("pk"))
        .exclude(recommendation_followed="")
        .order_by("referral_id", "-update_date", "-created_at", "-id")
        .values_list("referral_id", "recommendation_followed")
    )
    for referral_id, followed in updates:
        if referral_id not in seen:
            seen.add(referral_id)
            found.append(followed)
    return found


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _request_figures(asked: dict | None, total: int) -> dict:
    asked = asked or {}
    with_request = int(asked.get("referrals") or 0)
    return {
        "referrals": total,
        "referrals_with_request": with_request,
        "rate": round(with_request / total, 4) if total else None,
        "requests": int(asked.get("requests") or 0),
        "open": int(asked.get("open") or 0),
        "median_business_days_waited": _round(asked.get("median_business_days")),
        "median_days_waited": _round(asked.get("median_days")),
    }


def _followed_figures(followed: dict) -> dict:
    answered = sum(int(count) for count in followed.values())
    return {
        "updates": answered,
        "counts": {value: int(followed.get(value, 0)) for value in ProgressUpdate.Followed.values},
        "shares": {
            value: round(int(followed.get(value, 0)) / answered, 4) if answered else None
            for value in ProgressUpdate.Followed.values
        },
    }
