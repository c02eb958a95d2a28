from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security and privacy"

    def ready(self):
        from security import signals  # noqa: F401  (connects the log-in audit receivers)


class AuditedAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with `security.admin_site.AuditedAdminSite` as `admin.site`
    (named in INSTALLED_APPS in place of "django.contrib.admin")."""

    default = False  # "security" itself is SecurityConfig

    default_site = "security.admin_site.AuditedAdminSite"
