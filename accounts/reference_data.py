"""The NCI-designated cancer centers shipped as reference data (DESIGN §1)."""

import datetime
import json
from pathlib import Path

NCI_CENTERS_FILE = Path(__file__).parent / "data" / "nci_cancer_centers.json"


def read_nci_centers() -> dict:
    with NCI_CENTERS_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_nci_centers(organization_model) -> tuple[int, int]:
    """Create or refresh every listed center; returns (created, updated).

    Takes the model as an argument so migrations can pass their historical model.
    """
    data = read_nci_centers()
    as_of = datetime.date.fromisoformat(data["as_of"])
    created = updated = 0
    for center in data["centers"]:
        _, was_created = organization_model.objects.update_or_create(
            name=center["name"],
            defaults={
                "kind": "cancer_center",
                "nci_designation": center["designation"],
                "parent_institution": center["parent_institution"],
                "city": center["city"],
                "state": center["state"],
                "website": center["website"],
                "designation_as_of": as_of,
                "designation_source": data["source"][:300],
            },
        )
        created += was_created
        updated += not was_created
    return created, updated
