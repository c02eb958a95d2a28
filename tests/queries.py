"""The one query-count helper: every query-count test uses it, and a wrong count prints the SQL.

with assert_queries(exactly=7):
    client.get(...)
with assert_queries(at_most=12) as few:
    ...
with assert_queries(exactly=len(few)):   # the same cost with more rows
    ...
"""

from contextlib import contextmanager

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext


def _listing(captured: CaptureQueriesContext) -> str:
    return "\n".join(
        f"{number}. {query['sql']}" for number, query in enumerate(captured.captured_queries, 1)
    )


@contextmanager
def assert_queries(*, exactly: int | None = None, at_most: int | None = None, using="default"):
    """Fail, listing every SQL statement, unless the block ran `exactly` / `at_most` queries."""
    if (exactly is None) == (at_most is None):
        raise TypeError("Give exactly one of `exactly` and `at_most`.")
    with CaptureQueriesContext(connections[using]) as captured:
        yield captured
    count = len(captured)
    if exactly is not None and count != exactly:
        pytest.fail(f"Expected {exactly} queries, {count} were done:\n{_listing(captured)}")
    if at_most is not None and count > at_most:
        pytest.fail(f"Expected at most {at_most} queries, {count} were done:\n{_listing(captured)}")


@contextmanager
def counted_queries(using="default"):
    """Count (and keep) the queries of a block, to compare with another block's."""
    with CaptureQueriesContext(connections[using]) as captured:
        yield captured
