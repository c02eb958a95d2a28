"""SLAPolicy, Holiday and Reminder, formerly the referrals app's (referrals 0010_reminders_move_out).

The tables keep their names (db_table) and their rows; nothing is created in the database.
Their content types (and so their permissions, the Coordinators group's grants and the admin
log) are renamed to this app, so the admin lists them here.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("reminder", "slapolicy", "holiday")


def _rename_content_types(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        taken = ContentType.objects.using(db).filter(app_label=target, model=model).exists()
        if not taken:  # otherwise post_migrate made it already; the old one goes stale
            ContentType.objects.using(db).filter(app_label=source, model=model).update(
                app_label=target
            )


def content_types_forwards(apps, schema_editor):
    _rename_content_types(apps, schema_editor, source="referrals", target="reminders")


def content_types_backwards(apps, schema_editor):
    _rename_content_types(apps, schema_editor, source="reminders", target="referrals")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_nci_cancer_centers"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("referrals", "0010_reminders_move_out"),
        ("reminders", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Holiday',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(unique=True)),
                        ('name', models.CharField(max_length=100)),
                    ],
                    options={
                        'db_table': 'referrals_holiday',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('step', models.CharField(choices=[('triage', 'Triage'), ('records', 'Records'), ('review', 'Start of review'), ('recommendation', 'Recommendation'), ('return', 'Return acknowledgement'), ('progress_update', 'Progress update')], max_length=20)),
                        ('due_date', models.DateField()),
                        ('is_escalation', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                        ('queued_at', models.DateTimeField(blank=True, null=True)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reminders', to=settings.AUTH_USER_MODEL)),
                        ('referral', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='referrals.referral')),
                    ],
                    options={
                        'db_table': 'referrals_reminder',
                        'ordering': ['created_at'],
                        'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['created_at'], name='reminder_unsent'), models.Index(condition=models.Q(('cancelled_at__isnull', True), ('sent_at__isnull', True)), fields=['recipient'], name='reminder_pending')],
                        'constraints': [models.UniqueConstraint(fields=('referral', 'step', 'recipient', 'due_date'), name='reminder_unique'), models.CheckConstraint(condition=models.Q(('sent_at__isnull', True), ('cancelled_at__isnull', True), _connector='OR'), name='reminder_sent_or_cancelled'), models.CheckConstraint(condition=models.Q(('step__in', ['triage', 'records', 'review', 'recommendation', 'return', 'progress_update'])), name='reminder_step_valid')],
                    },
                ),
                migrations.CreateModel(
                    name='SLAPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('urgency', models.CharField(choices=[('routine', 'Routine'), ('urgent', 'Urgent')], max_length=10)),
                        ('triage_days', models.PositiveSmallIntegerField(default=2)),
                        ('records_days', models.PositiveSmallIntegerField(default=7)),
                        ('recommendation_days', models.PositiveSmallIntegerField(default=10)),
                        ('return_days', models.PositiveSmallIntegerField(default=5)),
                        ('center', models.ForeignKey(blank=True, help_text='Empty: the default for every center without its own policy.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sla_policies', to='accounts.organization')),
                    ],
                    options={
                        'verbose_name': 'SLA policy',
                        'verbose_name_plural': 'SLA policies',
                        'db_table': 'referrals_slapolicy',
                        'constraints': [models.UniqueConstraint(fields=('center', 'urgency'), name='sla_policy_unique_per_center'), models.UniqueConstraint(condition=models.Q(('center__isnull', True)), fields=('urgency',), name='sla_policy_unique_default')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forwards, content_types_backwards),
    ]
