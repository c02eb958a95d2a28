from django.db import migrations

from accounts.reference_data import load_nci_centers


def forwards(apps, schema_editor):
    load_nci_centers(apps.get_model("accounts", "Organization"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
