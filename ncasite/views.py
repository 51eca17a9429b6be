from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from members.models import Organisation
from news.models import Post

from . import internal_links
from .models import Page

SEARCH_MAX_LENGTH = 200
LATEST_ON_HOME = 6


@require_safe
def home(request):
    published = Post.objects.published().for_lists()
    featured = published.filter(is_featured=True).first()
    latest = list(published[: LATEST_ON_HOME + 1])  # one more, in case featured is among them
    if featured is None and latest:
        featured = latest[0]
    context = {
        "featured": featured,
        "latest": [post for post in latest if post != featured][:LATEST_ON_HOME],
        "member_count": Organisation.objects.current().count(),
    }
    return render(request, "home.html", context)


@require_safe
def search(request):
    query = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]
    page = None
    members = []
    if query:
        members = list(Organisation.objects.current().for_lists().search(query)[:12])
        results = Post.objects.published().for_lists().search(query)
        paginator = Paginator(results, 10)
        try:
            page = paginator.page(request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404(str(error)) from None
    return render(request, "search.html", {"query": query, "page_obj": page, "members": members})


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on pages that do not name an icon, like the admin's."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@require_safe
def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")


@require_safe
def security_txt(request):
    """RFC 9116: whom to tell about a vulnerability; it must say when it goes stale."""
    expires = timezone.now().astimezone(UTC) + timedelta(days=365)
    lines = [
        f"Contact: {settings.NCASITE_SECURITY_CONTACT}",
        f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}",
        f"Canonical: {settings.NCASITE_BASE_URL}/.well-known/security.txt",
        "Preferred-Languages: en",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """Answer 200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def page(request, slug):
    page = get_object_or_404(Page, slug=slug)
    return render(request, "page.html", {"page": page})


def media(request, path):
    """Serve uploads while developing and testing; production serves them from storage."""
    from django.views.static import serve

    return serve(request, path, document_root=settings.MEDIA_ROOT)


def can_view(user, app_label: str, model_name: str) -> bool:
    return user.has_perm(f"{app_label}.view_{model_name}") or user.has_perm(
        f"{app_label}.change_{model_name}"
    )


@require_safe
def link_search(request):
    """The body editor's link chooser: posts and member pages whose title matches `q`.

    Served under /admin/ through admin_site.admin_view (staff only, never cached); each kind
    is searched only for users who may see it in the admin.
    """
    may_see_posts = can_view(request.user, "news", "post")
    may_see_members = can_view(request.user, "members", "organisation")
    if not (may_see_posts or may_see_members):
        raise PermissionDenied
    query = internal_links.clean_query(request.GET.get("q", ""))
    results = []
    if query and may_see_posts:
        results += internal_links.post_results(query)
    if query and may_see_members:
        results += internal_links.member_results(query)
    return JsonResponse({"results": results})
