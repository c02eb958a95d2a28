"""The inbox page, and opening one notification (read, then on to its referral)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from inbox import selectors, services
from referrals.portal.landing import works_in_admin

PAGE_SIZE = 50


@login_required
def inbox(request):
    paginator = Paginator(selectors.notifications_of(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "inbox/inbox.html", {"page": page})


@login_required
def notification_open(request, pk: int):
    """Marked read, then the referral: in the admin for those who work there. The referral's
    own page decides whether this person still sees it."""
    notification = get_object_or_404(
        selectors.notifications_of(user=request.user).select_related("referral"), pk=pk
    )
    services.notification_open(notification=notification)
    referral = notification.referral
    if works_in_admin(request.user):
        return redirect(reverse("admin:referrals_referral_change", args=(referral.uuid,)))
    return redirect("portal:referral-detail", uuid=referral.uuid)


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("inbox:inbox")
