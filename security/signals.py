"""Log-ins, log-outs, failed log-ins and lockouts go into the audit trail.

The attempted password never does: only the e-mail address typed in is kept.
"""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from audit.models import AuditEntry
from audit.services import audit_record
from security.middleware import session_started
from security.tokens import tokens_revoke_all

Action = AuditEntry.Action


def _attempted_email(credentials: dict | None) -> str:
    credentials = credentials or {}
    return str(credentials.get("username") or credentials.get("email") or "")


@receiver(user_logged_in, dispatch_uid="security.audit_login")
def audit_login(sender, request, user, **kwargs):
    if request is not None:
        session_started(request)
    audit_record(actor=user, action=Action.LOGIN, obj=user)


@receiver(user_logged_out, dispatch_uid="security.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        detail = getattr(request, "logout_reason", "")
        audit_record(actor=user, action=Action.LOGOUT, obj=user, detail=detail)


@receiver(user_login_failed, dispatch_uid="security.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Set by security.backends.LockoutBackend: the password was not even checked.
    locked_out = getattr(request, "refused_while_locked_out", False)
    audit_record(
        actor=None,
        action=Action.LOGIN_FAILED,
        actor_label=_attempted_email(credentials),
        detail="Refused: locked out." if locked_out else "Wrong e-mail or password.",
    )


@receiver(user_locked_out, dispatch_uid="security.audit_locked_out")
def audit_locked_out(sender, request, username, ip_address, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    audit_record(
        actor=None,
        action=Action.LOCKED_OUT,
        actor_label=username or "",
        detail=f"{settings.AXES_FAILURE_LIMIT} failed log-ins: locked for {minutes} minutes.",
    )


# API tokens end with the password they were issued against, and with the account.
_WATCHED_FIELDS = {"password", "is_active"}


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="security.user_before_save")
def remember_credentials(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED_FIELDS & set(update_fields):
        return
    instance._credentials_before = (
        sender._default_manager.filter(pk=instance.pk).values_list("password", "is_active").first()
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="security.user_after_save")
def revoke_tokens_on_credential_change(sender, instance, created, raw=False, **kwargs):
    before = instance.__dict__.pop("_credentials_before", None)
    if raw or created or before is None:
        return
    password_before, active_before = before
    if password_before != instance.password:
        tokens_revoke_all(user=instance, reason="password changed")
    elif active_before and not instance.is_active:
        tokens_revoke_all(user=instance, reason="account deactivated")
