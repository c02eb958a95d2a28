"""The stage days indexes of migration reports 0002 go: the percentiles are read from the
stage histograms (migration reports 0006) or, with a period, computed in centidays by
percentile_cont, which no index of the unrounded days serves. Every referral write saved five
index updates. Dropped concurrently (no lock on the table meanwhile); PostgreSQL only."""

import importlib

from django.db import migrations

days_indexes = importlib.import_module("reports.migrations.0002_referral_report_days_indexes")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0006_stage_histograms_linked_rollup_change_marker")]

    operations = [migrations.RunPython(days_indexes.drop, days_indexes.create)]
