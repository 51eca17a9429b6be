from django.db import migrations

ABOUT = """
<p>The alliance brings together governments, law-enforcement bodies, civil-society groups,
Indigenous Peoples' organisations and international bodies that work against crimes that harm
nature: illegal logging, wildlife trafficking, illegal gold mining and the illegal conversion
of land.</p>
<h2>What we do</h2>
<ul>
<li>We help members share information across borders, quickly and safely.</li>
<li>We support joint investigations and the training of customs, police and prosecutors.</li>
<li>We publish analysis of how these crimes work and who profits from them.</li>
</ul>
<h2>Who we are</h2>
<p>A small secretariat coordinates the alliance's work and publishes this site. Every member
keeps its own mandate; the alliance adds the connections between them.</p>
"""

PRIVACY = """
<p>This page explains what this website and our newsletter store about you, and why.</p>
<h2>Visiting the site</h2>
<p>The site sets no cookies for visitors and uses no tracking, analytics or advertising
services. It loads nothing from other companies' servers. Our web servers keep short technical
logs to keep the site running and secure.</p>
<h2>The newsletter</h2>
<p>When you sign up we store your email address, the name you give (if any), your preferred
language, the date and wording of your consent, the page you signed up on, and a one-way,
keyed fingerprint of your network address that helps us stop abuse. We never store your network
address itself.</p>
<p>We send you an email to confirm your address first; you are only subscribed once you confirm.
Every newsletter has an unsubscribe link that works in one click. When you unsubscribe, we keep
your address marked as unsubscribed so that we never write to you again; ask us and we erase it
completely.</p>
<h2>Your rights</h2>
<p>You can ask us to see, correct or erase the data we hold about you by writing to the
contact address at the bottom of every page.</p>
"""

CONTACT = """
<p>For press enquiries, interview requests and questions about the alliance, write to the
press address at the bottom of every page. We answer within two working days.</p>
<p>Organisations interested in membership are welcome to write to the same address with a short
description of their work.</p>
"""

PAGES = [
    ("about", "About the alliance", "Who we are and what we do together.", ABOUT, 0),
    ("privacy", "Privacy policy", "What we store about you, and why.", PRIVACY, 1),
    ("contact", "Contact", "How to reach the alliance's secretariat.", CONTACT, 2),
]


def create_pages(apps, schema_editor):
    Page = apps.get_model("ncasite", "Page")
    for slug, title, intro, body, ordering in PAGES:
        Page.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "intro": intro,
                "body": " ".join(body.split()).replace("> <", "><"),
                "ordering": ordering,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ncasite", "0001_initial"),
        ("news", "0002_editor_roles"),
    ]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
