"""Demo members for `manage.py load_demo`: the sample CSV, drawn logos and links to posts."""

import io
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image, ImageDraw, ImageFont

from members.models import Organisation
from news.models import Post

SAMPLE_CSV = Path(__file__).parent / "members.csv"
PALETTE = ["#1f5135", "#23395b", "#6b4f1d", "#7a1c1c", "#37306b", "#005f73", "#5a3e2b"]

# Demo post title → slugs of the members it mentions.
POST_MEMBERS = {
    "Andean forest monitoring network joins the alliance": [
        "andean-forest-monitoring-network",
        "ministry-of-environment-of-peru-demo",
    ],
    "Customs officers from twelve ports trained to spot falsified timber papers": [
        "international-centre-for-timber-forensics",
        "amazon-customs-cooperation-office-demo",
    ],
    "How gold laundering moves through small refineries": [
        "gold-supply-integrity-initiative",
        "andean-gold-traceability-lab",
        "centre-for-illicit-financial-flows-research",
    ],
    "Alliance welcomes new wildlife trade controls agreed by coastal states": [
        "coastal-states-wildlife-compact",
    ],
    "Indigenous guardians map illegal mining camps with open satellite imagery": [
        "rainforest-guardians-federation",
        "guiana-shield-mining-watch",
    ],
    "Seized parrots returned to the wild after months of care": ["borneo-orangutan-defence-trust"],
    "Member agencies complete first joint investigation": [
        "federal-environmental-police-of-mexico-demo",
        "amazon-customs-cooperation-office-demo",
        "interregional-police-cooperation-platform",
    ],
}


def initials_logo(name: str, short_name: str, index: int) -> ContentFile:
    letters = short_name or "".join(word[0] for word in name.split() if word[0].isupper())[:3]
    image = Image.new("RGBA", (320, 320), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([8, 8, 312, 312], fill=PALETTE[index % len(PALETTE)])
    font = ImageFont.load_default(size=110 if len(letters) <= 3 else 80)
    draw.text((160, 160), letters[:4], fill="#ffffff", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name=f"{name[:40]}.png")


def load(*, stdout) -> None:
    call_command("import_members", SAMPLE_CSV, stdout=io.StringIO())
    Organisation.objects.filter(slug="timber-transparency-coalition-former-member").update(
        left_on=date(2025, 12, 31)
    )
    for organisation in Organisation.objects.filter(logo=""):
        if organisation.pk % 6 == 0:
            continue  # some members have no logo yet, as in real life
        organisation.logo = initials_logo(
            organisation.name, organisation.short_name, organisation.pk
        )
        organisation.save()
    for title, slugs in POST_MEMBERS.items():
        post = Post.objects.filter(title=title).first()
        if post:
            post.organisations.add(*Organisation.objects.filter(slug__in=slugs))
    stdout.write(f"Members: {Organisation.objects.current().count()} current members.")
