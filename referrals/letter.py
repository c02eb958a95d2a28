"""The consult letter: the issued second opinion as a PDF for the referring team's chart.

`letter_sections` says what the letter holds (reference, parties, question, local plan,
concordance, the recommendation with its options, trials and further tests, the pathology
review and its discrepancy, signatures and versions); `consult_letter_pdf` lays it out with
fpdf2 (pure Python: a wheel with no system libraries, see requirements.txt). The letter exists
once the recommendation is issued (`referrals.rules.visibility.consult_letter_issued`); the
interfaces that serve it audit every download as a read of the referral.

The PDF uses the standard Helvetica font, whose encoding is Windows-1252: a character outside
it (e.g. a name in a non-Latin script) is printed as "?".
"""

from dataclasses import dataclass, field

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from accounts.models import CancerSite
from referrals.models import PathologyReview, Recommendation, Referral

TRIAL_REGISTRY = "https://clinicaltrials.gov/study/"


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    # (text, url): printed as links, e.g. the clinical trials' registry pages.
    links: list[tuple[str, str]] = field(default_factory=list)


def letter_filename(referral: Referral) -> str:
    return f"consult-letter-{referral.reference}.pdf"


def _date(moment) -> str:
    if moment is None:
        return "-"
    if hasattr(moment, "hour"):
        moment = timezone.localtime(moment)
        return moment.strftime("%B %-d, %Y, %H:%M")
    return moment.strftime("%B %-d, %Y")


def _person(user) -> str:
    if user is None:
        return "-"
    return f"{user.full_name or user.email}{', ' + user.title if user.title else ''}"


def signed_versions(referral: Referral) -> list[Recommendation]:
    """The signed versions, newest first (prefetched `recommendations` are used)."""
    signed = [r for r in referral.recommendations.all() if r.is_signed]
    return sorted(signed, key=lambda r: r.version, reverse=True)


def letter_sections(referral: Referral) -> list[Section]:
    versions = signed_versions(referral)
    recommendation = versions[0]
    patient = referral.patient
    site = CancerSite(referral.cancer_site).label if referral.cancer_site else "-"
    sections = [
        Section(
            "Patient",
            [
                f"{patient.family_name}, {patient.given_name}",
                f"Date of birth: {_date(patient.date_of_birth)}",
                f"MRN: {patient.mrn} ({referral.referring_organization.name})",
            ],
        ),
        Section(
            "Referral",
            [
                f"Reference: {referral.reference}",
                f"{'Third' if referral.opinion_number == 3 else 'Second'} opinion"
                + (
                    f" (earlier opinion: {referral.previous_referral.reference})"
                    if referral.previous_referral_id
                    else ""
                ),
                f"Referred by: {_person(referral.referring_oncologist)}, "
                f"{referral.referring_organization.name}",
                f"Consulting specialist: {_person(referral.specialist)}, "
                f"{referral.receiving_center.name}",
                f"Submitted: {_date(referral.submitted_at)}",
                f"Recommendation issued: {_date(referral.recommendation_issued_at)}",
            ],
        ),
        Section(
            "Diagnosis",
            [
                f"Cancer site: {site}",
                referral.diagnosis,
                *([f"Stage: {referral.stage}"] if referral.stage else []),
            ],
        ),
        Section("Clinical question", [referral.clinical_question or "-"]),
    ]
    plan = referral.local_treatment_plan or "No local treatment plan proposed yet."
    sections.append(Section("Local treatment plan", [plan]))
    concordance = Recommendation.Concordance(recommendation.concordance)
    sections.append(Section("Concordance with the local plan", [concordance.label]))
    sections.append(Section("Recommendation", [recommendation.summary]))
    if recommendation.treatment_options:
        sections.append(Section("Treatment options", [recommendation.treatment_options]))
    if recommendation.further_testing:
        sections.append(Section("Further testing", [recommendation.further_testing]))
    if recommendation.clinical_trials:
        sections.append(
            Section(
                "Clinical trials",
                ["Registry pages on ClinicalTrials.gov:"],
                links=[
                    (f"{trial}  {TRIAL_REGISTRY}{trial}", f"{TRIAL_REGISTRY}{trial}")
                    for trial in recommendation.clinical_trials
                ],
            )
        )
    follow_up = (
        f"The specialist follows the patient: progress updates every "
        f"{recommendation.update_interval_days} days."
        if recommendation.specialist_follows
        else "No follow-up by the specialist."
    )
    third = ["A third opinion is suggested."] if recommendation.third_opinion_suggested else []
    sections.append(Section("Follow-up", [follow_up, *third]))
    for review in referral.pathology_reviews.all():
        if review.is_signed:
            sections.append(_pathology_section(review))
    sections.append(_signatures(referral, versions))
    return sections


def _pathology_section(review: PathologyReview) -> Section:
    discrepancy = PathologyReview.Discrepancy(review.discrepancy)
    lines = [
        f"Specimens reviewed: {review.specimens_reviewed or '-'}",
        f"Original diagnosis: {review.original_diagnosis or '-'}",
        f"Review diagnosis: {review.review_diagnosis}",
        f"Discrepancy: {discrepancy.label}",
    ]
    if review.additional_tests:
        lines.append(f"Additional tests recommended: {review.additional_tests}")
    if review.comments:
        lines.append(f"Comments: {review.comments}")
    lines.append(f"Signed by {_person(review.signed_by)} on {_date(review.signed_at)}")
    return Section("Pathology review", lines)


def _signatures(referral: Referral, versions: list[Recommendation]) -> Section:
    current = versions[0]
    lines = [
        f"Signed electronically by {_person(current.author)} on {_date(current.signed_at)} "
        f"(version {current.version})."
    ]
    if current.version > 1:
        lines.append(
            f"This recommendation was amended: version {current.version} replaces version "
            f"{current.version - 1}. Reason: {current.amendment_reason}"
        )
    for earlier in versions[1:]:
        lines.append(
            f"Version {earlier.version}: signed by {_person(earlier.author)} on "
            f"{_date(earlier.signed_at)}, superseded on {_date(earlier.superseded_at)}."
        )
    return Section("Signatures and versions", lines)


def _printable(text: str) -> str:
    """Helvetica's encoding (Windows-1252); anything else becomes "?"."""
    return str(text).encode("cp1252", errors="replace").decode("cp1252")


class _Letter(FPDF):
    def __init__(self, referral: Referral):
        super().__init__(format="Letter")
        self.referral = referral
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(_printable(f"Consult letter {referral.reference}"))
        self.set_author(_printable(referral.receiving_center.name))
        self.set_lang("en")

    def footer(self):
        self.set_y(-14)
        self.set_font("Helvetica", size=8)
        self.cell(
            0,
            6,
            _printable(f"{self.referral.reference} - consult letter - page {self.page_no()}"),
            align="C",
        )


def consult_letter_pdf(referral: Referral) -> bytes:
    """The letter of a referral whose recommendation is issued, as PDF bytes."""
    pdf = _Letter(referral)
    pdf.add_page()

    def paragraph(text: str, *, height: float, style: str = "", size: int = 10, link=None):
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(
            0,
            height,
            _printable(text),
            align="L",
            link=link,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    paragraph(referral.receiving_center.name, height=8, style="B", size=16)
    paragraph("Second opinion consult letter", height=7, size=12)
    pdf.ln(3)
    for section in letter_sections(referral):
        paragraph(section.heading, height=7, style="B", size=11)
        for line in section.lines:
            paragraph(line, height=5)
        pdf.set_text_color(0, 51, 153)
        for text, url in section.links:
            paragraph(text, height=5, style="U", link=url)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
    return bytes(pdf.output())
