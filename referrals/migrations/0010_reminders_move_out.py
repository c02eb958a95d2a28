"""SLAPolicy, Holiday and Reminder move to the reminders app (reminders 0002_reminders_move_in).

Only Django's idea of them changes: the tables (referrals_slapolicy, referrals_holiday,
referrals_reminder), their rows, constraints and indexes stay as they are. reminders 0002
depends on this migration, so the models are removed from here before they are created there
(nothing else points to them), on a fresh database and on an existing one alike.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0009_perf_reference_and_mrn_prefix_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Reminder"),
                migrations.DeleteModel(name="SLAPolicy"),
                migrations.DeleteModel(name="Holiday"),
            ],
            database_operations=[],
        ),
    ]
