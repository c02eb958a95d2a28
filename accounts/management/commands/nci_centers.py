from django.core.management.base import BaseCommand
from django.db.models import Count

from accounts.models import Organization
from accounts.reference_data import load_nci_centers, read_nci_centers


class Command(BaseCommand):
    help = "Show the NCI-designated cancer centers loaded (--reload refreshes them from the list)."

    def add_arguments(self, parser):
        parser.add_argument("--reload", action="store_true", help="Refresh from the shipped list.")

    def handle(self, *args, **options):
        if options["reload"]:
            created, updated = load_nci_centers(Organization)
            self.stdout.write(f"Reloaded: {created} created, {updated} updated.")
        data = read_nci_centers()
        centers = Organization.objects.filter(kind="cancer_center").exclude(nci_designation="")
        by_designation = dict(
            centers.values_list("nci_designation").annotate(n=Count("id")).order_by()
        )
        self.stdout.write(
            f"NCI-designated cancer centers loaded: {centers.count()} "
            f"(comprehensive {by_designation.get('comprehensive', 0)}, "
            f"clinical {by_designation.get('clinical', 0)}, "
            f"basic laboratory {by_designation.get('basic', 0)}); "
            f"list as of {data['as_of']}, source: {data['source']}"
        )
