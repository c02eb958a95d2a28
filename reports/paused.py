"""Turnaround without the time a referral awaited information (DESIGN §5, §6).

While an information request is open the step's clock is paused: the referral's
`information_wait_accepted` / `information_wait_under_review` hold the time waited in each
stage (referrals.services.information), and every turnaround figure leaves it out. Counted
from the referrals (a period, SQLite), the durations subtract it in the query
(reports.aggregates.ElapsedCentidays). The trigger-kept stage histograms and turnaround buckets
hold the raw durations; the few referrals that ever waited are read apart (reports.information,
one query) and moved from their raw duration to their paused-free one here, so both paths give
the same figures.
"""

import datetime

from reports.aggregates import centidays

WAIT_FIELDS = ("information_wait_accepted", "information_wait_under_review")
# The waits inside each stage: asked while accepted (records to review) or under review.
PAUSED_IN_STAGE = {
    "submitted_to_recommendation": WAIT_FIELDS,
    "records": ("information_wait_accepted",),
    "review": ("information_wait_under_review",),
}
ZERO = datetime.timedelta(0)


def paused_in(row: dict, stage: str) -> datetime.timedelta:
    return sum((row[name] or ZERO for name in PAUSED_IN_STAGE.get(stage, ())), ZERO)


def corrected_histogram(histogram: list, paused_rows: list[dict]) -> list:
    """Stage histogram rows [stage, centidays, referrals] with each paused referral moved from
    its raw duration to its duration without the wait."""
    from reports.queries import STAGES

    counts: dict[tuple[str, int], int] = {}
    for stage, value, count in histogram:
        counts[(stage, value)] = counts.get((stage, value), 0) + int(count)
    for row in paused_rows:
        for stage, _, start, end in STAGES:
            waited = paused_in(row, stage)
            raw = centidays(row[start], row[end])
            if raw is None or not waited:
                continue
            counts[(stage, raw)] = counts.get((stage, raw), 0) - 1
            adjusted = centidays(row[start], row[end], waited)
            counts[(stage, adjusted)] = counts.get((stage, adjusted), 0) + 1
    return [[stage, value, count] for (stage, value), count in sorted(counts.items()) if count]


def _bucket(start, end, waited=ZERO) -> int | None:
    """The turnaround bucket's index, None below the first (as WIDTH_BUCKET's 0)."""
    from reports.queries import DISTRIBUTION_BUCKETS

    days = (end - start - waited).total_seconds() / 86400
    index = None
    for position, (_, lower) in enumerate(DISTRIBUTION_BUCKETS):
        if days >= lower:
            index = position
    return index


def correct_buckets(totals: dict, paused_rows: list[dict]) -> None:
    """Move each paused referral's turnaround bucket to its duration without the wait."""
    for row in paused_rows:
        start, end = row["submitted_at"], row["recommendation_issued_at"]
        waited = paused_in(row, "submitted_to_recommendation")
        if start is None or end is None or not waited:
            continue
        raw, adjusted = _bucket(start, end), _bucket(start, end, waited)
        if raw != adjusted:
            if raw is not None:
                totals[f"bucket_{raw}"] -= 1
            if adjusted is not None:
                totals[f"bucket_{adjusted}"] += 1
