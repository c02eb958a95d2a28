"""The directory: where a referral can go, and who in one's own organizations can be named."""

from rest_framework import serializers

from accounts.models import CancerSite, Membership, Organization
from referrals.api.serializers.common import object_id, related_id


class CenterSerializer(serializers.ModelSerializer):
    id = object_id()
    accepts_cancer_sites = serializers.SerializerMethodField(
        help_text="The cancer sites the center takes; empty: every site."
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "nci_designation",
            "parent_institution",
            "city",
            "state",
            "website",
            "contact_email",
            "contact_phone",
            "accepts_cancer_sites",
        ]

    def get_accepts_cancer_sites(self, center) -> list[CancerSite]:
        return [rule.cancer_site for rule in center.intake_rules.all()]


class ColleagueSerializer(serializers.ModelSerializer):
    """One membership in the caller's organizations: the person, their role and where."""

    id = related_id("user")
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    title = serializers.CharField(source="user.title", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    organization = related_id("organization")

    class Meta:
        model = Membership
        fields = ["id", "full_name", "title", "email", "role", "organization"]
