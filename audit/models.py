from django.conf import settings
from django.db import models

from core.append_only import AppendOnlyModel


class AuditEntry(AppendOnlyModel):
    """Who read or changed what, when and from where. Never changed or deleted."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        LIST = "list", "Listed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        TRANSITION = "transition", "Workflow action"
        EXPORT = "export", "Exported"
        DENIED = "denied", "Access denied"
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed log-in"
        LOCKED_OUT = "locked_out", "Locked out"
        LOGOUT = "logout", "Logged out"
        TOKEN_ISSUED = "token_issued", "API token issued"
        TOKEN_REFUSED = "token_refused", "API token refused"
        TOKEN_REVOKED = "token_revoked", "API token revoked"

    class Interface(models.TextChoices):
        API = "api", "API"
        ADMIN = "admin", "Admin"
        PORTAL = "portal", "Portal"
        TASK = "task", "Background task"
        COMMAND = "command", "Command"
        SYSTEM = "system", "System"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Denormalised so "who looked at this referral / this patient" is one indexed query.
    referral_id = models.BigIntegerField(null=True, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    interface = models.CharField(max_length=20, choices=Interface.choices)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["referral_id", "at"]),
            models.Index(fields=["patient_id", "at"]),
            models.Index(fields=["actor", "at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
