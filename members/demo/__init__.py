"""Demo members for `manage.py load_demo`: the sample CSV and drawn logos."""

import io
from datetime import date
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image, ImageDraw, ImageFont

from library.models import Image as LibraryImage
from library.models import Licence
from members.models import Organisation

SAMPLE_CSV = Path(__file__).parent / "members.csv"
PALETTE = ["#1f5135", "#23395b", "#6b4f1d", "#7a1c1c", "#37306b", "#005f73", "#5a3e2b"]


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
    for organisation in Organisation.objects.filter(logo=None):
        if organisation.pk % 6 == 0:
            continue  # some members have no logo yet, as in real life
        text = f"Logo of {organisation.name}"
        organisation.logo = LibraryImage.objects.create(
            title=text[:200],
            file=initials_logo(organisation.name, organisation.short_name, organisation.pk),
            alt_text=text[:250],
            licence=Licence.PERMISSION,
        )
        organisation.save(update_fields=["logo"])
    stdout.write(f"Members: {Organisation.objects.current().count()} current members.")
