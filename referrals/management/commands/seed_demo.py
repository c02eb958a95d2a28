"""A realistic demo data set: practices, centers, users of every role, ~200 referrals."""

import datetime
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import IntakeRule, Membership, Organization, User
from audit import context as audit_context
from companion.demo import demo_patient_links
from referrals.management import demo_situations as situations
from referrals.management.demo_clock import DemoClock
from referrals.models import Patient, RecordItem, Referral
from referrals.services import clinical, records
from referrals.services import referrals as referral_services
from referrals.services.workflow import referral_transition

DEMO_PASSWORD = "second-opinion-demo"
Role = Membership.Role
Status = Referral.Status
Kind = RecordItem.Kind

PRACTICES = [
    ("Riverside Community Oncology", "riverside", "Springfield", "IL"),
    ("Lakeshore Hematology & Oncology", "lakeshore", "Muskegon", "MI"),
    ("Prairie Valley Cancer Care", "prairie", "Salina", "KS"),
]
CENTERS = [
    ("The University of Texas MD Anderson Cancer Center", "mdanderson"),
    ("Fred Hutchinson Cancer Center", "fredhutch"),
    ("University of Kansas Comprehensive Cancer Center", "kucancer"),
]
# What each center's two specialists cover (specialist1, specialist2), shown when assigning.
SUBSPECIALTIES = [
    ("Breast, gynecologic", "Thoracic, head and neck"),
    ("Hematologic malignancies", "Gastrointestinal, pancreas"),
    ("Genitourinary, prostate", "Melanoma, sarcoma"),
]
# The demo's clinicians and staff (fictional), handed out in order: practices, then centers.
STAFF_NAMES = [
    "Maria Delgado", "Thomas Whitfield", "Aisha Rahman",
    "Grace Holloway", "Daniel Okafor", "Priya Natarajan",
    "Laura Brennan", "Samuel Kline", "Nadia Petrova",
    "Elena Vasquez", "Marcus Chen", "Rebecca Adler", "Hiroshi Tanaka", "Olivia Grant",
    "Karen Lindqvist", "Jonah Feldman", "Amara Nwosu", "Victor Ramos", "Sophie Laurent",
    "Teresa Morgan", "Ian Whitaker", "Lucia Romero", "Benjamin Cho", "Hannah Becker",
]  # fmt: skip
# How many referrals end in each state (about 200 in all).
STATE_COUNTS = {
    Status.DRAFT: 14,
    Status.SUBMITTED: 24,
    Status.DECLINED: 8,
    Status.ACCEPTED: 24,
    Status.UNDER_REVIEW: 30,
    Status.RECOMMENDATION_ISSUED: 20,
    Status.RETURNED: 16,
    Status.MONITORING: 24,
    Status.CLOSED: 32,
    Status.CANCELLED: 8,
    Status.FORWARDED: 6,
}
PATH = [
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.UNDER_REVIEW,
    Status.RECOMMENDATION_ISSUED,
    Status.RETURNED,
]
GIVEN = "Ava Ben Carla Diego Elena Farid Grace Hiro Imani Jonas Kara Luis Mei Nadia Omar Priya"
FAMILY = "Alvarez Brooks Chen Dubois Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Moreau"
DIAGNOSES = {
    "breast": ("Invasive ductal carcinoma, ER+/HER2-", "IIA"),
    "lung": ("Non-small cell lung cancer, adenocarcinoma", "IIIA"),
    "colorectal": ("Adenocarcinoma of the sigmoid colon", "III"),
    "prostate": ("Prostate adenocarcinoma, Gleason 4+3", "IIC"),
    "lymphoma": ("Diffuse large B-cell lymphoma", "II"),
    "sarcoma": ("Undifferentiated pleomorphic sarcoma of the thigh", "IIIA"),
    "pancreas": ("Pancreatic ductal adenocarcinoma", "IIB"),
    "melanoma": ("Cutaneous melanoma, BRAF V600E", "IIIC"),
}
QUESTIONS = [
    "Is neoadjuvant therapy preferable to upfront surgery?",
    "Would the patient qualify for a clinical trial of a targeted agent?",
    "Does the pathology support the diagnosis, and is the staging right?",
    "Is adjuvant chemotherapy needed given the molecular profile?",
]
TRIALS = ["NCT04380636", "NCT03924895", "NCT05502237", "NCT04613596"]


class Command(BaseCommand):
    help = "Load the demo data set (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--referrals",
            type=int,
            default=sum(STATE_COUNTS.values()),
            help="How many referrals to create, spread over every state (default: %(default)s).",
        )

    def handle(self, *args, **options):
        if options["referrals"] < len(STATE_COUNTS):
            raise CommandError(f"--referrals must be at least {len(STATE_COUNTS)} (one a state).")
        token = audit_context.use(audit_context.AuditContext(interface="command"))
        try:
            # The demo must not mail anyone, nor flood the console with notifications.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                people = self._people()
                if Referral.objects.filter(referring_organization__in=people["practices"]).exists():
                    self.stdout.write("Demo referrals already loaded; nothing to do.")
                else:
                    self._referrals(people, options["referrals"])
                links = demo_patient_links(practices=people["practices"])
        finally:
            audit_context.reset(token)
        self._print_logins()
        self._print_patient_links(links)

    def _print_patient_links(self, links) -> None:
        self.stdout.write(self.style.SUCCESS("Patient pages (enter the date of birth shown)"))
        for referral, url in links:
            patient = referral.patient
            self.stdout.write(
                f"  {referral.reference} ({referral.get_status_display()}, "
                f"{patient.preferred_language or 'English'}): {url}  "
                f"date of birth {patient.date_of_birth:%Y-%m-%d}"
            )

    @transaction.atomic
    def _people(self) -> dict:
        def user(email, name, title="", **extra):
            person, created = User.objects.get_or_create(
                email=email, defaults={"full_name": name, "title": title, **extra}
            )
            if created:
                person.set_password(DEMO_PASSWORD)
                person.save()
            return person

        def member(person, organization, role, **defaults):
            Membership.objects.get_or_create(
                user=person, organization=organization, role=role, defaults=defaults
            )

        user("admin@demo.example", "Demo Administrator", is_staff=True, is_superuser=True)
        names = iter(STAFF_NAMES)
        practices, centers = [], []
        for name, slug, city, state in PRACTICES:
            practice, _ = Organization.objects.get_or_create(
                name=name, defaults={"kind": "community", "city": city, "state": state}
            )
            practices.append(practice)
            coordinator = user(f"coordinator@{slug}.example", next(names), "RN", is_staff=True)
            member(coordinator, practice, Role.COORDINATOR)
            for number in (1, 2):
                oncologist = user(f"oncologist{number}@{slug}.example", next(names), "MD")
                member(oncologist, practice, Role.REFERRING_ONCOLOGIST)
        for (name, slug), covered in zip(CENTERS, SUBSPECIALTIES, strict=True):
            center = Organization.objects.get(name=name)
            centers.append(center)
            coordinator = user(f"coordinator@{slug}.example", next(names), "RN", is_staff=True)
            member(coordinator, center, Role.COORDINATOR)
            if center.lead_coordinator_id is None:
                center.lead_coordinator = coordinator
                center.contact_email = coordinator.email
                center.save(update_fields=["lead_coordinator", "contact_email"])
            for number, subspecialties in enumerate(covered, start=1):
                specialist = user(f"specialist{number}@{slug}.example", next(names), "MD")
                member(specialist, center, Role.SPECIALIST, subspecialties=subspecialties)
            pathologist = user(f"pathologist@{slug}.example", next(names), "MD")
            member(pathologist, center, Role.PATHOLOGIST)
            member(user(f"analyst@{slug}.example", next(names)), center, Role.ANALYST)
        # The Kansas center takes only some sites, to show intake rules at work.
        for site in ("breast", "lung", "colorectal", "prostate", "pancreas", "melanoma"):
            IntakeRule.objects.get_or_create(center=centers[2], cancer_site=site)
        return {"practices": practices, "centers": centers}

    def _referrals(self, people: dict, how_many: int) -> None:
        rng = random.Random(2026)
        total = sum(STATE_COUNTS.values())
        plan = [
            state
            for state, count in STATE_COUNTS.items()
            for _ in range(max(1, round(count * how_many / total)))
        ]
        while len(plan) > how_many:  # rounding up: fewer of the commonest state
            plan.remove(max(set(plan), key=plan.count))
        rng.shuffle(plan)
        self.stdout.write(f"Loading {len(plan)} demo referrals…")
        every = max(1, len(plan) // 10)
        for number, final_state in enumerate(plan, start=1):
            with transaction.atomic():
                self._one_referral(rng, number, final_state, people)
            if number % every == 0 or number == len(plan):
                self.stdout.write(f"  {number}/{len(plan)} referrals")
                self.stdout.flush()
        self.stdout.write(f"Loaded {len(plan)} demo referrals.")

    def _one_referral(self, rng, number, final_state, people) -> None:
        practice = people["practices"][number % len(people["practices"])]
        center = people["centers"][number % len(people["centers"])]
        site = rng.choice(
            list(center.intake_rules.values_list("cancer_site", flat=True)) or list(DIAGNOSES)
        )
        site = site if site in DIAGNOSES else "breast"
        members: dict = {}
        for membership in Membership.objects.filter(
            organization__in=[practice, center]
        ).select_related("user"):
            members.setdefault((membership.organization_id, membership.role), []).append(
                membership.user
            )
        oncologist = rng.choice(members[(practice.pk, Role.REFERRING_ONCOLOGIST)])
        coordinator = members[(practice.pk, Role.COORDINATOR)][0]
        center_coordinator = members[(center.pk, Role.COORDINATOR)][0]
        specialist = rng.choice(members[(center.pk, Role.SPECIALIST)])
        pathologist = members[(center.pk, Role.PATHOLOGIST)][0]

        patient = Patient.objects.create(
            organization=practice,
            mrn=f"D{number:06d}",
            given_name=rng.choice(GIVEN.split()),
            family_name=rng.choice(FAMILY.split()),
            date_of_birth=datetime.date(
                1940 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 28)
            ),
            sex=rng.choice(["female", "male"]),
            preferred_language=rng.choice(["English", "English", "Spanish"]),
            consent_to_share_records=True,
            consent_to_record_consult=rng.random() < 0.6,
        )
        diagnosis, stage = DIAGNOSES[site]
        physical = rng.random() < 0.5
        checklist = [
            {"kind": Kind.CLINICAL_NOTES, "required": True},
            {"kind": Kind.PATHOLOGY_REPORT, "required": True},
            {"kind": Kind.IMAGING_REPORT, "required": True},
            {"kind": Kind.LAB_RESULTS, "required": False},
        ]
        if physical:
            checklist.append({"kind": Kind.PATHOLOGY_SLIDES, "required": True})
        referral = referral_services.referral_create(
            actor=oncologist,
            patient=patient,
            receiving_center=center,
            data={
                "cancer_site": site,
                "diagnosis": diagnosis,
                "stage": stage,
                "diagnosis_date": timezone.localdate()
                - datetime.timedelta(days=rng.randrange(150, 400)),
                "reasons": rng.sample(
                    [r for r in Referral.Reason.values if r != "other"], k=rng.randrange(1, 3)
                ),
                "clinical_question": rng.choice(QUESTIONS),
                **situations.local_plan(rng),
                "urgency": "urgent" if rng.random() < 0.2 else "routine",
                "modality": rng.choice(["in_person", "virtual", "virtual", "records_only"]),
                "initiated_by": rng.choice(["physician", "physician", "patient"]),
            },
            record_items=checklist,
        )
        # Dated relative to today: the queues look like a working day (demo_clock).
        clock = DemoClock(rng, final_state)
        Referral.objects.filter(pk=referral.pk).update(created_at=clock.start)
        at = clock.next

        def act(action, actor, **data):
            moment = clock.for_action(action)
            return referral_transition(
                referral=referral, actor=actor, action=action, data={**moment, **data}
            )

        if final_state == Status.DRAFT:
            return
        if final_state == Status.CANCELLED:
            stop = rng.choice([Status.DRAFT, Status.SUBMITTED, Status.ACCEPTED])
            if stop != Status.DRAFT:
                act("submit", oncologist)
            if stop == Status.ACCEPTED:
                act("accept", center_coordinator, specialist=specialist)
            act("cancel", coordinator, **situations.cancel_data(rng))
            return
        act("submit", oncologist)
        if final_state == Status.SUBMITTED:
            return
        if final_state == Status.DECLINED:
            act("decline", center_coordinator, **situations.decline_data(rng))
            return
        if final_state == Status.FORWARDED:
            if rng.random() < 0.5:
                act("accept", center_coordinator, specialist=specialist)
            forward = situations.forward_data(referral)
            if forward:
                act("forward", center_coordinator, **forward)
            return
        act("accept", center_coordinator, specialist=specialist)
        referral.refresh_from_db()
        done = final_state != Status.ACCEPTED

        def information_loop(asker, *, leave_open: bool):
            """The center asks the practice; the practice answers (with a new record) unless
            the demo leaves it waiting."""
            reason, question = rng.choice(INFORMATION_QUESTIONS)
            act("request_information", asker, reason=reason, note=question)
            if leave_open:
                return
            answer = {"note": "Sent today; see the new record item."}
            if reason in ("missing_records", "illegible_records"):
                answer["record_items"] = [{"kind": "pathology_report", "description": "Resent"}]
            act("provide_information", oncologist, **answer)

        if rng.random() < 0.35:
            information_loop(center_coordinator, leave_open=not done and rng.random() < 0.6)
        items = list(referral.record_items.filter(required=True))
        for item in items if done else items[: rng.randrange(len(items))]:
            data = {"status": "sent", **at()}
            if item.is_physical:
                data.update(
                    carrier="FedEx",
                    tracking_number=f"7{rng.randrange(10**11):011d}",
                    specimen_identifiers=f"S26-{number:04d} A1-A6",
                )
            item = records.record_item_change(actor=coordinator, item=item, data=data)
            receiver = center_coordinator
            if item.is_physical:
                review = clinical.pathology_review_request(
                    actor=center_coordinator, referral=referral, pathologist=pathologist
                )
            records.record_item_change(
                actor=receiver, item=item, data={"status": "received", **at()}
            )
        if not done:
            return
        if referral.record_items.filter(status="sent").exists():  # records sent with an answer
            for item in referral.record_items.filter(status="sent"):
                records.record_item_change(
                    actor=center_coordinator, item=item, data={"status": "received", **at()}
                )
        act("start_review", center_coordinator)
        consults = referral.modality != "records_only"
        if final_state == Status.UNDER_REVIEW:
            if rng.random() < 0.4:
                information_loop(specialist, leave_open=rng.random() < 0.7)
            if consults and rng.random() < 0.3:  # a missed consult, to reschedule
                situations.hold_consult(
                    rng, referral=referral, specialist=specialist, number=number,
                    scheduled=at()["occurred_at"], attended=False, missed=True,
                )  # fmt: skip
            return
        if rng.random() < 0.2:
            information_loop(specialist, leave_open=False)
        if physical:
            discrepancy = rng.choices(["none", "minor", "major"], weights=[7, 2, 1])[0]
            clinical.pathology_review_update(
                actor=pathologist,
                review=review,
                data={
                    "specimens_reviewed": f"S26-{number:04d}: 6 H&E slides, 2 IHC",
                    "original_diagnosis": diagnosis,
                    "review_diagnosis": diagnosis
                    if discrepancy == "none"
                    else f"{diagnosis} (revised grade)",
                    "discrepancy": discrepancy,
                    "additional_tests": "Next-generation sequencing panel"
                    if discrepancy != "none"
                    else "",
                },
                sign=True,
            )
        if consults:
            situations.hold_consult(
                rng, referral=referral, specialist=specialist, number=number,
                scheduled=clock.now, attended=True, missed=rng.random() < 0.15,
            )  # fmt: skip
            at()
        follows = final_state == Status.MONITORING or rng.random() < 0.3
        concordance = rng.choices(["concurs", "modifies", "differs"], weights=[6, 3, 1])[0]
        clinical.recommendation_save(
            actor=specialist,
            referral=referral,
            data={
                "concordance": concordance,
                "summary": "Agree with the local plan."
                if concordance == "concurs"
                else "Recommend changing the regimen; see options.",
                "patient_summary": "The specialist agrees with the plan your doctor proposed."
                if concordance == "concurs"
                else "The specialist suggests a change to your treatment. Your doctor will "
                "go over the options with you.",
                "treatment_options": "Continue current regimen."
                if concordance == "concurs"
                else "Neoadjuvant chemotherapy, then re-image.",
                "further_testing": rng.choice(["", "Germline genetic testing", "PET-CT"]),
                "clinical_trials": rng.sample(TRIALS, k=1) if rng.random() < 0.3 else [],
                "third_opinion_suggested": rng.random() < 0.05,
                "specialist_follows": follows,
                "update_interval_days": 30 if follows else None,
            },
            sign=True,
        )
        act("issue_recommendation", specialist)
        if final_state == Status.RECOMMENDATION_ISSUED:
            return
        act("acknowledge_return", oncologist)
        if physical:
            situations.return_slides(
                rng, referral=referral, actor=center_coordinator, when=at()["occurred_at"]
            )
        if final_state == Status.RETURNED:
            return
        if final_state == Status.MONITORING or (follows and rng.random() < 0.5):
            act("start_monitoring", specialist)
            situations.progress_updates(
                rng,
                referral=referral,
                oncologist=oncologist,
                specialist=specialist,
                day=clock.next()["occurred_at"],
            )
        if final_state == Status.CLOSED:
            act("close", coordinator)

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        rows = [
            ("Administrator (admin site)", "admin@demo.example"),
            ("Referring coordinator", "coordinator@riverside.example"),
            ("Referring oncologist", "oncologist1@riverside.example"),
            ("Center coordinator", "coordinator@mdanderson.example"),
            ("Specialist", "specialist1@mdanderson.example"),
            ("Pathologist", "pathologist@mdanderson.example"),
            ("Analyst", "analyst@mdanderson.example"),
        ]
        for label, email in rows:
            self.stdout.write(f"  {label:<28} {email}")
        site = settings.SITE_URL
        self.stdout.write(f"Admin: {site}/admin/   Portal: {site}/\n")


# What a center asks the referring practice for (reason code, question): no PHI.
INFORMATION_QUESTIONS = [
    ("missing_records", "The operative report is missing from the records sent."),
    ("illegible_records", "Page 2 of the pathology report is not legible; please resend it."),
    ("clinical_clarification", "Which regimen was given first-line, and for how many cycles?"),
    ("consent", "We need the signed consent to share records for the outside imaging."),
    ("insurance", "Please confirm the prior authorization number for the consult."),
]
