"""The API's JSON parser: bounded in size and depth, so that no body can cost a 500."""

import json

from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from core.limits import limit


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class BoundedJSONParser(JSONParser):
    """JSON of at most INPUT_LIMITS["body_bytes"] bytes, nested at most "json_depth" deep, and
    without NUL characters (which PostgreSQL cannot store in text)."""

    def parse(self, stream, media_type=None, parser_context=None):
        maximum = limit("body_bytes")
        raw = stream.read(maximum + 1) if stream is not None else b""
        if len(raw) > maximum:
            raise RequestTooLarge(f"The request body may be at most {maximum} bytes.")
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            data = json.loads(raw.decode(encoding))
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        check_shape(data, depth_limit=limit("json_depth"))
        return data


def check_shape(data, *, depth_limit: int) -> None:
    """ParseError when `data` nests deeper than `depth_limit` or a string holds a NUL."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > depth_limit:
                raise exceptions.ParseError(
                    f"JSON parse error - nested more than {depth_limit} levels deep."
                )
            children = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in children:
                if isinstance(key, str) and "\x00" in key:
                    raise exceptions.ParseError("JSON parse error - NUL character in a name.")
                pending.append((child, depth + 1))
        elif isinstance(value, str) and "\x00" in value:
            raise exceptions.ParseError("JSON parse error - text may not contain NUL characters.")
