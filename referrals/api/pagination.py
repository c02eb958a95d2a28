"""Cursor pagination: stable while referrals are added, and no COUNT over a large table."""

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from core.limits import limit


class NewestFirstCursorPagination(CursorPagination):
    # `id` breaks ties between rows created in the same microsecond.
    ordering = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = limit("page_size")
    invalid_cursor_message = "Invalid cursor: use the `next` or `previous` link of a page."

    def decode_cursor(self, request):
        """The cursor of the request; one that was not issued by this API is a 400 (a tampered
        position would otherwise reach the database as a bad timestamp)."""
        refusal = ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise refusal from None
        position = cursor.position if cursor is not None else None
        if position is not None and _parse_position(position) is None:
            raise refusal
        return cursor

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


def _parse_position(position: str):
    try:
        return parse_datetime(position)
    except ValueError:
        return None
