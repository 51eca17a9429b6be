"""Links from bodies to posts and member pages that follow those pages when their address changes.

The editor stores `<a href="/members/slug/" data-ref="member:12">`. The href is rewritten at
write time, so public pages print stored HTML with no lookups: when a body is saved (its
links point at today's addresses) and when a linked page's slug changes (every body that links
to it is rewritten).
"""

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.body_html import link_refs, with_link_hrefs
from members.models import Organisation
from news.models import Post

from .models import Page

# What a body may link to, by the prefix of its reference ("post:12").
TARGETS = {"post": Post, "member": Organisation}
# Where bodies with internal links are stored: (model, field).
BODIES = [(Post, "body"), (Page, "body")]

SEARCH_RESULTS_PER_KIND = 8
MAX_QUERY_LENGTH = 100


def current_hrefs(refs: set[str]) -> dict[str, str]:
    """Today's address of each referenced page that still exists; one query per kind."""
    wanted = {}
    for ref in refs:
        kind, pk = ref.split(":")
        if kind in TARGETS:
            wanted.setdefault(kind, set()).add(int(pk))
    hrefs = {}
    for kind, pks in wanted.items():
        for target in TARGETS[kind].objects.filter(pk__in=pks).only("pk", "slug"):
            hrefs[f"{kind}:{target.pk}"] = target.get_absolute_url()
    return hrefs


def resolve_links_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save of a model with a body: point its internal links at today's addresses."""
    if raw or (update_fields is not None and "body" not in update_fields):
        return
    # Cleaned first, so the rewrite reads the exact HTML that will be stored.
    body = sender._meta.get_field("body").sanitize(instance.body or "")
    refs = link_refs(body)
    instance.body = with_link_hrefs(body, current_hrefs(refs)) if refs else body


def follow_slug_change(sender, instance, created=False, raw=False, **kwargs):
    """post_save of a link target: rewrite the bodies that link to it when its slug changed."""
    previous_slug = getattr(instance, "_loaded", {}).get("slug")
    if created or raw or not previous_slug or previous_slug == instance.slug:
        return
    kind = next(kind for kind, model in TARGETS.items() if model is sender)
    ref = f"{kind}:{instance.pk}"
    href = instance.get_absolute_url()
    for model, field in BODIES:
        linking = model.objects.filter(**{f"{field}__contains": f'data-ref="{ref}"'})
        for pk, body in linking.values_list("pk", field):
            # update(): only the href changes, and no other save side effects are wanted.
            model.objects.filter(pk=pk).update(**{field: with_link_hrefs(body, {ref: href})})


def clean_query(raw: str) -> str:
    return " ".join(raw.replace("\x00", "").split())[:MAX_QUERY_LENGTH]


def post_results(query: str) -> list[dict]:
    posts = (
        Post.objects.filter(title__icontains=query)
        .only("pk", "slug", "title", "status", "published_at")
        .order_by("-published_at", "-pk")[:SEARCH_RESULTS_PER_KIND]
    )
    return [
        {
            "ref": f"post:{post.pk}",
            "url": post.get_absolute_url(),
            "title": post.title,
            "note": post_note(post),
        }
        for post in posts
    ]


def post_note(post: Post) -> str:
    if post.is_published():
        return _("Post, published %(date)s") % {"date": date_format(post.published_at)}
    if post.is_scheduled():
        return _("Post, scheduled for %(date)s") % {"date": date_format(post.published_at)}
    return _("Post, not public yet (%(status)s)") % {"status": post.get_status_display()}


def member_results(query: str) -> list[dict]:
    members = (
        Organisation.objects.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
        .only("pk", "slug", "name", "short_name")
        .order_by("name")[:SEARCH_RESULTS_PER_KIND]
    )
    return [
        {
            "ref": f"member:{member.pk}",
            "url": member.get_absolute_url(),
            "title": member.name,
            "note": _("Member page"),
        }
        for member in members
    ]
