import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CancerSite(models.TextChoices):
    """The coded cancer sites used by referrals and by centers' intake rules."""

    BREAST = "breast", "Breast"
    LUNG = "lung", "Lung"
    COLORECTAL = "colorectal", "Colorectal"
    PROSTATE = "prostate", "Prostate"
    PANCREAS = "pancreas", "Pancreas"
    LIVER_BILIARY = "liver_biliary", "Liver and biliary"
    GASTROESOPHAGEAL = "gastroesophageal", "Gastric and esophageal"
    KIDNEY = "kidney", "Kidney"
    BLADDER = "bladder", "Bladder and urothelial"
    OVARIAN = "ovarian", "Ovarian"
    UTERINE = "uterine", "Uterine"
    CERVICAL = "cervical", "Cervical"
    HEAD_AND_NECK = "head_and_neck", "Head and neck"
    THYROID = "thyroid", "Thyroid"
    BRAIN = "brain", "Brain and spine"
    MELANOMA = "melanoma", "Melanoma"
    SARCOMA = "sarcoma", "Sarcoma"
    LYMPHOMA = "lymphoma", "Lymphoma"
    LEUKEMIA = "leukemia", "Leukemia"
    MYELOMA = "myeloma", "Myeloma"
    PEDIATRIC = "pediatric", "Pediatric cancers"
    OTHER = "other", "Other"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address."""

    class ReminderDelivery(models.TextChoices):
        IMMEDIATE = "immediate", "One e-mail per reminder"
        DAILY_DIGEST = "daily_digest", "One daily digest"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    title = models.CharField(max_length=40, blank=True, help_text="e.g. MD, RN, PhD")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    reminder_delivery = models.CharField(
        max_length=20, choices=ReminderDelivery.choices, default=ReminderDelivery.IMMEDIATE
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.full_name or self.email
        return f"{name}, {self.title}" if self.title else name

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name or self.email

    def roles_in(self, organization) -> set[str]:
        return {m.role for m in self.memberships.all() if m.organization_id == organization.pk}


class Organization(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "community", "Community practice"
        CANCER_CENTER = "cancer_center", "Cancer center"

    class NCIDesignation(models.TextChoices):
        COMPREHENSIVE = "comprehensive", "Comprehensive Cancer Center"
        CLINICAL = "clinical", "Clinical Cancer Center"
        BASIC = "basic", "Basic Laboratory Cancer Center"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    nci_designation = models.CharField(
        max_length=20, choices=NCIDesignation.choices, blank=True, default=""
    )
    parent_institution = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    website = models.URLField(blank=True)
    # Where the NCI designation came from, so a reader knows how current it is.
    designation_as_of = models.DateField(null=True, blank=True)
    designation_source = models.CharField(max_length=300, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    lead_coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Receives escalations when reminders go unanswered.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="organization_kind_valid",
                condition=Q(kind__in=["community", "cancer_center"]),
            ),
            models.CheckConstraint(
                name="organization_designation_only_for_centers",
                condition=Q(nci_designation="")
                | Q(
                    kind="cancer_center",
                    nci_designation__in=["comprehensive", "clinical", "basic"],
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_cancer_center(self) -> bool:
        return self.kind == self.Kind.CANCER_CENTER

    @property
    def sees_patients(self) -> bool:
        """Basic laboratory centers do research only and are never offered as destinations."""
        return self.is_cancer_center and self.nci_designation != self.NCIDesignation.BASIC


class IntakeRule(models.Model):
    """A cancer site that a center accepts for second opinions (none listed: every site)."""

    center = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="intake_rules")
    cancer_site = models.CharField(max_length=30, choices=CancerSite.choices)

    class Meta:
        ordering = ["center", "cancer_site"]
        constraints = [
            models.UniqueConstraint(fields=["center", "cancer_site"], name="intake_rule_unique")
        ]

    def __str__(self):
        return f"{self.center}: {self.get_cancer_site_display()}"


class Membership(models.Model):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Coordinator"
        SPECIALIST = "specialist", "Specialist"
        PATHOLOGIST = "pathologist", "Pathologist"
        REFERRING_ONCOLOGIST = "referring_oncologist", "Referring oncologist"
        ANALYST = "analyst", "Analyst"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    # What a specialist covers at this center, shown when a coordinator assigns one.
    subspecialties = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text="For specialists: the fields they cover here, e.g. “Breast, sarcoma”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique"
            ),
            models.CheckConstraint(
                name="membership_role_valid",
                condition=Q(
                    role__in=[
                        "coordinator",
                        "specialist",
                        "pathologist",
                        "referring_oncologist",
                        "analyst",
                    ]
                ),
            ),
        ]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organization}"
