"""API tokens move from DRF's authtoken (the key itself stored, never expiring) to
django-rest-knox digests (security.ApiToken). The old table is dropped: every old key stops
working at once, and clients ask for a new token (`POST /api/v1/auth/token/`)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def drop_plain_text_tokens(apps, schema_editor):
    cascade = " CASCADE" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP TABLE IF EXISTS authtoken_token{cascade}")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('second_factor_verified', models.BooleanField(default=False)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'indexes': [models.Index(fields=['user', 'expiry'], name='security_ap_user_id_e62cfe_idx')],
            },
        ),
        migrations.RunPython(drop_plain_text_tokens, migrations.RunPython.noop),
    ]
