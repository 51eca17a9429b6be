"""Sign-up, confirmation and unsubscribe pages.

None of these views uses a CSRF token, on purpose: the sign-up form sits in the footer of
cached, cookie-free pages, and a CSRF token would force a cookie on every visitor. A forged
sign-up is harmless because of double opt-in (it can only send a confirmation email, and rate
limiting and the honeypot keep robots out); confirmation and unsubscribe are authorised by the
signed token in their address, and RFC 8058 one-click unsubscribes come without any cookie.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django.views.generic import DetailView, ListView
from django_ratelimit.core import is_ratelimited

from core.page_cache import mark_private

from .forms import SubscribeForm
from .models import Issue, Subscriber
from .subscriptions import confirm, subscribe


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe_view(request):
    if request.method != "POST":
        return render(request, "newsletter/subscribe.html", {"form": SubscribeForm()})
    limited = is_ratelimited(
        request,
        group="newsletter-signup",
        key="ip",
        rate=settings.NEWSLETTER_SIGNUP_RATE,
        method="POST",
        increment=True,
    )
    if limited:
        return mark_private(render(request, "newsletter/rate_limited.html", status=429))
    form = SubscribeForm(request.POST)
    if form.is_honeypot_filled():
        return redirect("newsletter:check-inbox")
    if not form.is_valid():
        context = {"form": with_fresh_stamp(form), "source": request.POST.get("source", "")}
        page = render(request, "newsletter/subscribe.html", context, status=400)
        return mark_private(page)
    if not form.has_ripe_stamp():
        # Sent too soon after the form was taken up, or without a stamp (no JavaScript, or a
        # stamp from a cached page): one more press, on a page that carries a fresh stamp.
        # A person's fresh stamp starts now, too.
        context = {"form": with_fresh_stamp(form), "source": request.POST.get("source", "")}
        return mark_private(render(request, "newsletter/confirm_signup.html", context))
    subscribe(
        email=form.cleaned_data["email"],
        name=form.cleaned_data["name"],
        consent_text=settings.NEWSLETTER_CONSENT_TEXT,
        source=request.POST.get("source") or request.headers.get("Referer", "")[:200],
        language=get_language() or settings.LANGUAGE_CODE,
        client_address=request.META.get("REMOTE_ADDR", ""),
    )
    return redirect("newsletter:check-inbox")


def with_fresh_stamp(form: SubscribeForm) -> SubscribeForm:
    data = form.data.copy()
    data["rendered_at"] = SubscribeForm.fresh_stamp()
    fresh = SubscribeForm(data)
    fresh.is_valid()  # the same errors and cleaned data as the form sent
    return fresh


@never_cache
@require_safe
def stamp(request):
    """A fresh signed stamp for a sign-up form that has just been taken up (site.js)."""
    return mark_private(JsonResponse({"stamp": SubscribeForm.fresh_stamp()}))


@require_safe
def check_inbox(request):
    return render(request, "newsletter/check_inbox.html")


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_view(request, token):
    subscriber = Subscriber.from_confirmation_token(token)
    if subscriber is None:
        return mark_private(render(request, "newsletter/invalid_link.html", status=400))
    context = {"subscriber": subscriber}
    if request.method == "POST":
        confirm(subscriber)
        return mark_private(render(request, "newsletter/confirmed.html", context))
    # A GET never confirms: mail scanners open every link in an email.
    return mark_private(render(request, "newsletter/confirm.html", context))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request, token):
    subscriber = Subscriber.from_unsubscribe_token(token)
    if subscriber is None:
        return mark_private(render(request, "newsletter/invalid_link.html", status=400))
    if request.method == "POST":
        subscriber.unsubscribe()
        return mark_private(render(request, "newsletter/unsubscribed.html"))
    return mark_private(render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber}))


class IssueArchiveView(ListView):
    template_name = "newsletter/archive.html"
    context_object_name = "issues"
    paginate_by = 20

    def get_queryset(self):
        return (
            Issue.objects.sent()
            .only("subject", "slug", "preheader", "started_at")
            .order_by("-started_at")
        )


class IssueArchiveDetailView(DetailView):
    template_name = "newsletter/archive_detail.html"
    context_object_name = "issue"

    def get_queryset(self):
        return Issue.objects.sent()

    def get_context_data(self, **kwargs):
        return super().get_context_data(posts=self.object.ordered_posts(), **kwargs)
