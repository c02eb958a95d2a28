"""Domain errors. Every interface maps them the same way: 400, 403, 404, 409."""


class DomainError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        self.extra = extra


class InvalidData(DomainError):
    """Missing or invalid data (400)."""

    status_code = 400
    code = "invalid"

    @classmethod
    def for_fields(cls, fields: dict[str, str | list[str]], detail: str = "") -> "InvalidData":
        normalised = {k: [v] if isinstance(v, str) else list(v) for k, v in fields.items()}
        first = next(iter(normalised.values()))[0] if normalised else "Invalid data."
        return cls(detail or first, fields=normalised)


class NotPermitted(DomainError):
    """The user may not do this (403)."""

    status_code = 403
    code = "permission_denied"


class NotFound(DomainError):
    """The object does not exist or is not visible to the user (404)."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """Not allowed from the current state (409)."""

    status_code = 409
    code = "conflict"
