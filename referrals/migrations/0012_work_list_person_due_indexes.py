from django.conf import settings
from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyWherePostgres, portable_on_tables_with_postgres_indexes


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY

    dependencies = [
        ("referrals", "0011_companion_patient_summary_interpreter_needed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = portable_on_tables_with_postgres_indexes(
        [
        AddIndexConcurrentlyWherePostgres(
            model_name="referral",
            index=models.Index(
                fields=["referring_oncologist", "next_due", "-created_at", "-id"],
                name="referral_oncologist_due",
            ),
        ),
        AddIndexConcurrentlyWherePostgres(
            model_name="referral",
            index=models.Index(
                fields=["specialist", "next_due", "-created_at", "-id"],
                name="referral_specialist_due",
            ),
        ),
        ]
    )
