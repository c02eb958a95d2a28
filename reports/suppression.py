"""Small-cell suppression, the one place it is applied: every figure an analyst receives (the
dashboard page, its JSON and its CSV) comes through `figures_for`.

A count from 1 to 4 could identify a patient: it reads "<5". Figures that would give such a
count away go too: a share or rate whose part or whole is suppressed, and the median and 90th
percentile of a stage that fewer than 5 referrals completed. Zero is shown (it names nobody).
"""

import copy

from reports.access import ReportViewer
from reports.filters import ReportFilters
from reports.selectors import report_summary

SMALL_CELL_LIMIT = 5
SUPPRESSED = f"<{SMALL_CELL_LIMIT}"

# (section, the share or rate, its part, its whole): keys within the summary's section; the
# whole given as (section, key) where it lives in another section.
RATES = [
    ("pathology", "major_discrepancy_rate", "major_discrepancies", "signed_reviews"),
    ("clinical_trials", "share", "naming_a_trial", "recommendations"),
    ("third_opinion", "rate", "followed_by_another_opinion", "second_opinions_issued"),
    (
        "third_opinion",
        "suggested_share",
        "recommendations_suggesting",
        ("concordance", "recommendations"),
    ),
    ("return", "rate", "returned", "recommendations_issued"),
    ("forwarding", "rate", "forwarded", "referrals"),
    ("no_show", "rate", "no_shows", "appointments"),
]


def is_small(count) -> bool:
    return isinstance(count, int) and not isinstance(count, bool) and 0 < count < SMALL_CELL_LIMIT


def suppress(count):
    return SUPPRESSED if is_small(count) else count


def figures_for(*, viewer: ReportViewer, filters: ReportFilters) -> dict:
    """The report summary as `viewer` may receive it: suppressed for analysts."""
    summary = report_summary(viewer=viewer, filters=filters)
    return suppress_small_cells(summary) if viewer.suppresses_small_cells else summary


def suppress_small_cells(summary: dict) -> dict:
    """A copy of `summary` with no count from 1 to 4 and nothing that reveals one."""
    result = copy.deepcopy(summary)
    for section, rate, part, whole in RATES:
        figures = result[section]
        whole_value = result[whole[0]][whole[1]] if isinstance(whole, tuple) else figures[whole]
        if is_small(figures[part]) or is_small(whole_value):
            figures[rate] = None
    concordance = result["concordance"]
    for value, count in concordance["counts"].items():
        if is_small(count) or is_small(concordance["recommendations"]):
            concordance["shares"][value] = None
    slides = result["slide_return"]
    late = [slides["returned_late"], slides["still_out_late"]]
    if any(is_small(count) for count in late) or is_small(slides["items"]):
        slides["late_share"] = None
    for stage in result["turnaround_days"]["stages"]:
        if is_small(stage["count"]):
            stage["median"] = stage["p90"] = None
    return _counts_suppressed(result)


def _counts_suppressed(value):
    if isinstance(value, dict):
        return {key: _counts_suppressed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_counts_suppressed(item) for item in value]
    return suppress(value)
