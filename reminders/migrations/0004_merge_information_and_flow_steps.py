from django.db import migrations


class Migration(migrations.Migration):
    """The information step (wt-info) and the no-show and slide-return steps (wt-flow)."""

    dependencies = [
        ("reminders", "0003_flow_no_show_and_slide_return_steps"),
        ("reminders", "0003_information_request_step"),
    ]

    operations = []
