from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders and e-mail"
    default_auto_field = "django.db.models.BigAutoField"
