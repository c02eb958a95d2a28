"""The patient's companion page: no account, a link and a date-of-birth check.

Plain forms, POST and redirect, CSRF; no JavaScript needed. Every view of the page is audited
with the actor "patient". A link that is unknown, revoked or expired shows nothing.
"""

from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from companion import services
from companion.forms import BirthDateForm, QuestionForm, VisitPreparationForm
from companion.language import page_language
from companion.page import page_context
from referrals.errors import DomainError

SESSION_KEY = "companion:verified:{}"


def _patient_page(view):
    """Finds the usable link (else the "nothing here" page, 404), speaks the patient's
    language, and keeps the page out of caches and Referer headers."""

    @wraps(view)
    def wrapper(request, secret):
        link = services.patient_link_find(secret)
        if link is None:
            response = render(request, "companion/gone.html", status=404)
        else:
            language = page_language(link.referral.patient.preferred_language)
            with translation.override(language):
                response = view(request, link, secret)
        # The secret is in the URL: it never leaves in a Referer header for another site.
        # (Not "no-referrer": browsers then send "Origin: null", which fails the CSRF check.)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapper)


def _verified(request, link) -> bool:
    return request.session.get(SESSION_KEY.format(link.uuid)) is True


@require_http_methods(["GET", "POST"])
@_patient_page
def patient_page(request, link, secret):
    if not _verified(request, link):
        return _birth_date_check(request, link, secret)
    services.patient_page_viewed(link=link)
    context = page_context(link)
    patient = context["patient"]
    context.update(
        secret=secret,
        visit_form=VisitPreparationForm(initial=VisitPreparationForm.initial_from(patient)),
        question_form=QuestionForm(),
    )
    return render(request, "companion/page.html", context)


def _birth_date_check(request, link, secret):
    form = BirthDateForm(request.POST if request.method == "POST" else None)
    status = 200
    locked = False
    if request.method == "POST" and form.is_valid():
        result = services.patient_link_check_birth_date(
            link=link, date_of_birth=form.cleaned_data["date_of_birth"]
        )
        if result is services.BirthDateCheck.PASSED:
            request.session.cycle_key()
            request.session[SESSION_KEY.format(link.uuid)] = True
            return redirect("companion:page", secret=secret)
        locked = result is services.BirthDateCheck.LOCKED
        status = 429 if locked else 400
        if not locked:
            form.add_error("date_of_birth", _("That date of birth does not match. Try again."))
    elif request.method == "POST":
        status = 400
    context = {"form": form, "locked": locked, "secret": secret}
    return render(request, "companion/birth_date.html", context, status=status)


def _verified_post(view):
    @wraps(view)
    def wrapper(request, link, secret):
        if not _verified(request, link):
            return redirect("companion:page", secret=secret)
        try:
            view(request, link)
        except DomainError as error:
            messages.error(request, error.detail)
        return redirect("companion:page", secret=secret)

    return wrapper


@require_POST
@_patient_page
@_verified_post
def visit_preparation(request, link):
    form = VisitPreparationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please answer the question about recording the visit."))
        return
    services.visit_preparation_save(link=link, data=form.service_data())
    messages.success(request, _("Thank you. Your answers are saved."))


@require_POST
@_patient_page
@_verified_post
def ask_question(request, link):
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your question."))
        return
    services.patient_question_ask(link=link, text=form.cleaned_data["text"])
    messages.success(request, _("Your question is saved. The specialist will answer it."))


@require_POST
@_patient_page
def leave(request, link, secret):
    """Forget the date-of-birth check on this device (a shared phone or computer)."""
    request.session.pop(SESSION_KEY.format(link.uuid), None)
    return redirect("companion:page", secret=secret)
