#!/usr/bin/env python3
"""Render time and SQL queries of the editors' desk and the post change list (PostgreSQL).

Run: DATABASE_URL=postgres://.../NAME .venv/bin/python bench/admin_desk.py [--posts 100000]
Builds the posts with bulk_create into NAME (migrated first; bench rows of an earlier run are
replaced), logs an editor in with the test client and times both admin pages with DEBUG off.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library's http package: keep bench/ off sys.path.
if Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from statistics import median  # noqa: E402

from bench.bench_rows import delete_bench_rows  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "ncasite.settings"
os.environ["DJANGO_DEBUG"] = "true"  # data building; timing below runs with DEBUG off
PAGES = {"desk": "/admin/", "post change list": "/admin/news/post/"}
WARMUP, TIMED, BATCH = 5, 30, 2000
EDITOR = "bench-editor"


def post_state(i: int, now, editor) -> dict:
    """A newsroom's mix: mostly published, a few of every other state."""
    kind = i % 200
    if kind == 0:
        return {"status": "published", "published_at": now + timedelta(hours=i % 500 + 1)}
    if kind in (1, 2):
        return {"status": "draft", "author": editor if kind == 1 else None}
    if kind == 3:
        return {"status": "review", "submitted_by": editor, "submitted_at": now}
    if kind == 4:
        return {"status": "draft", "published_at": now - timedelta(hours=i % 50 + 1)}
    return {"status": "published", "published_at": now - timedelta(minutes=i + 1)}


def build(size: int):
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from news.models import Category, Post

    delete_bench_rows()
    User.objects.filter(username=EDITOR).delete()
    editor = User.objects.create_user(EDITOR, is_staff=True, first_name="Bench")
    editor.groups.add(Group.objects.get(name="Editors"))
    now = timezone.now()
    cats = Category.objects.bulk_create(
        Category(name=f"Bench {i}", slug=f"bench-cat-{i}") for i in range(5)
    )
    started = time.monotonic()
    for first in range(0, size, BATCH):
        Post.objects.bulk_create(
            [
                Post(
                    title=f"Bench story {i}: alliance members act on nature crime",
                    slug=f"bench-post-{i:06d}",
                    category=cats[i % 5],
                    standfirst=f"Summary of bench story {i}.",
                    body="<p>Rangers and prosecutors traced the shipment.</p>" * 4,
                    **post_state(i, now, editor),
                )
                for i in range(first, min(size, first + BATCH))
            ],
            batch_size=BATCH,
        )
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would leave them
        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Post._meta.db_table)}")
    print(f"{size:,} posts built in {time.monotonic() - started:.0f} s")
    return editor


def measure(client, path: str) -> dict:
    """Median render time of TIMED requests, the query count and each query's median time."""
    from django.db import connection

    runs = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            runs[-1].append(((time.perf_counter() - began) * 1000, sql, params))

    for _ in range(WARMUP):
        client.get(path)
    times = []
    with connection.execute_wrapper(timed):
        for _ in range(TIMED):
            runs.append([])
            began = time.perf_counter()
            status = client.get(path).status_code
            times.append((time.perf_counter() - began) * 1000)
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    queries = [
        (median(run[i][0] for run in runs), sql, params)
        for i, (_, sql, params) in enumerate(runs[0])
    ]
    return {"ms": median(times), "queries": queries}


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
        return "\n".join(f"    {line}" for (line,) in cursor.fetchall())


def production_templates() -> list[dict]:
    """The template settings as production runs them: no debug, the cached loader."""
    from django.conf import settings

    loaders = [
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    engine = {**settings.TEMPLATES[0], "APP_DIRS": False}
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "debug": False,
        "loaders": [("django.template.loaders.cached.Loader", loaders)],
    }
    return [engine]


def report(size: int, results: dict, pg: str, *, explain_slowest: bool) -> None:
    print(f"\n## Admin desk benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print(f"- {size:,} posts, `nproc` {os.cpu_count()}, {pg}, in-process test Client logged in")
    print(f"  as an editor, DEBUG off; median of {TIMED} requests after {WARMUP} warm-up ones\n")
    print("| page | render time | queries | slowest query |")
    print("|---|---:|---:|---:|")
    for name, path in PAGES.items():
        found = results[name]
        slowest = max(ms for ms, _sql, _params in found["queries"])
        print(
            f"| {name} `{path}` | {found['ms']:.1f} ms | {len(found['queries'])} "
            f"| {slowest:.1f} ms |"
        )
    for name in PAGES:
        print(f"\nSlowest queries of the {name}:")
        ranked = sorted(results[name]["queries"], key=lambda query: -query[0])
        for ms, sql, _params in ranked[:4]:
            short = re.sub(r"^SELECT .*? FROM", "SELECT … FROM", sql, count=1, flags=re.S)
            print(f"- {ms:.2f} ms: `{short[:300]}`")
        if explain_slowest:
            print(f"\n  EXPLAIN ANALYZE of the slowest:\n{explain(ranked[0][1], ranked[0][2])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="leave the bench rows in place")
    parser.add_argument("--reuse", action="store_true", help="measure the rows kept by --keep")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN each slowest query")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of the benchmark's own")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    call_command("migrate", interactive=False, verbosity=0)
    reused = User.objects.filter(username=EDITOR).first() if args.reuse else None
    editor = reused or build(args.posts)
    try:
        with override_settings(
            DEBUG=False,
            PAGE_CACHE_SECONDS=0,
            ALLOWED_HOSTS=["testserver"],
            TEMPLATES=production_templates(),
        ):
            client = Client()
            client.force_login(editor)
            results = {name: measure(client, path) for name, path in PAGES.items()}
        pg = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
        report(args.posts, results, pg, explain_slowest=args.explain)
    finally:
        if not args.keep:
            delete_bench_rows()
            User.objects.filter(username=EDITOR).delete()


if __name__ == "__main__":
    main()
