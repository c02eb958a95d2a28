from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security and privacy"

    def ready(self):
        from security import signals  # noqa: F401  (connects the log-in audit receivers)
