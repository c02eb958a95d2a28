"""Cursor pagination: stable while referrals are added, and no COUNT over a large table."""

from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    # `id` breaks ties between rows created in the same microsecond.
    ordering = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
