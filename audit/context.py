"""Where the current request or job comes from, for the audit trail."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    interface: str
    client_address: str | None = None


SYSTEM = AuditContext(interface="system")
_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current() -> AuditContext:
    return _current.get() or SYSTEM


def use(context: AuditContext):
    """Set the context; returns a token for `reset`."""
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)
