"""Form fields the portal and the admin share: choosing a specialist and a cancer center."""

from itertools import groupby

from django import forms
from django.forms.models import ModelChoiceIterator


def specialist_label(specialist) -> str:
    """“Dr. Ana Ruiz — Breast, sarcoma — 3 open referrals” (from the selector's annotations)."""
    parts = [specialist.display_name]
    if specialist.subspecialties:
        parts.append(specialist.subspecialties)
    count = specialist.open_referrals
    parts.append(f"{count} open referral{'' if count == 1 else 's'}")
    return " — ".join(parts)


class SpecialistChoiceField(forms.ModelChoiceField):
    """Over `selectors.specialists_for_assignment`: each specialist with what they cover and
    their open workload."""

    def label_from_instance(self, obj) -> str:
        return specialist_label(obj)


ON_PLATFORM = "On Second Opinion Tracker"
ELSEWHERE = "Other NCI-designated cancer centers"


class _GroupedCenters(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        centers = self.queryset
        if not centers._prefetch_related_lookups:
            centers = centers.iterator()
        for on_platform, group in groupby(centers, key=lambda center: center.on_platform):
            yield (ON_PLATFORM if on_platform else ELSEWHERE, [self.choice(c) for c in group])


class CenterChoiceField(forms.ModelChoiceField):
    """Over `selectors.destination_centers_platform_first`: the centers on the platform
    first, then the rest of the NCI list, in two groups of the select."""

    iterator = _GroupedCenters

    def __init__(self, *args, **kwargs):
        if not kwargs.get("help_text"):  # a model field passes its own, empty one
            kwargs["help_text"] = (
                f"“{ON_PLATFORM}” first: the centers that work here. Then the other centers "
                "of the NCI list."
            )
        super().__init__(*args, **kwargs)
