"""The rows the HTTP and scale benchmarks make, and how they take them away again."""


def delete_bench_rows() -> None:
    """Remove every bench row (posts, organisations, categories, subscribers)."""
    from django.db import connection
    from django.db.models import Q

    from core.page_cache import bump_content_version
    from members.models import Organisation
    from news.models import Category, Post, SlugRedirect
    from newsletter.models import IssueItem, Subscriber

    posts = Q(post__slug__startswith="bench-post-")
    orgs = Q(organisation__slug__startswith="bench-org-")
    Post.organisations.through.objects.filter(posts | orgs).delete()
    SlugRedirect.objects.filter(posts).delete()
    IssueItem.objects.filter(posts).delete()
    with connection.cursor() as cursor:  # one statement, not a delete signal per post
        table = connection.ops.quote_name(Post._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE slug LIKE %s", ["bench-post-%"])
    Organisation.objects.filter(slug__startswith="bench-org-").delete()
    Category.objects.filter(slug__startswith="bench-cat-").delete()
    Subscriber.objects.filter(email__endswith="@bench.invalid").delete()
    bump_content_version()
