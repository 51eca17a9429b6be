"""Demo categories and posts for `manage.py load_demo`. All text is written for this project."""

import io
import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from library.models import Image as LibraryImage
from library.models import Licence
from members.models import Organisation

from .models import Category, Post

CATEGORIES = [
    ("News", "news", "Announcements from the alliance and its members."),
    ("Press releases", "press-releases", "Statements for journalists, free to quote."),
    ("Analysis", "analysis", "What the evidence says about crimes that harm nature."),
    ("Events", "events", "Meetings, trainings and field missions."),
]

# (title, category slug, standfirst, paragraphs, quote, attribution, days ago, palette)
POSTS = [
    (
        "Andean forest monitoring network joins the alliance",
        "news",
        "A regional network of community forest monitors becomes the alliance's newest member, "
        "bringing ten years of field data on illegal logging routes.",
        [
            "The Andean Forest Monitoring Network, which trains community patrols in three "
            "river basins, has joined the alliance after a unanimous vote of the members.",
            "Its monitors record felled trees, new tracks and river barges with simple phone "
            "apps. The records have already helped prosecutors follow timber from the forest "
            "edge to export ports.",
        ],
        "Our patrols see the forest change every week. Sharing what they see with police "
        "and customs across the border is the step we could not take alone.",
        "Coordinator of the Andean Forest Monitoring Network",
        2,
        ("#1f5135", "#7fb069"),
    ),
    (
        "Customs officers from twelve ports trained to spot falsified timber papers",
        "events",
        "A week-long course showed how forged permits and mixed shipments hide illegally "
        "felled wood among legal cargo.",
        [
            "Forty customs officers took part in the course, hosted by a member agency and "
            "taught by wood-identification specialists and former investigators.",
            "Participants practised on real (anonymised) shipping files and learned to read "
            "the small inconsistencies that give forged papers away.",
        ],
        "A permit can look perfect and still describe a tree that never grew where it says.",
        "Trainer, wood identification laboratory",
        5,
        ("#3b4f6b", "#9db4c0"),
    ),
    (
        "How gold laundering moves through small refineries",
        "analysis",
        "Illegally mined gold rarely crosses a border as bars. Our analysis follows it through "
        "scrap declarations, small refiners and trading hubs.",
        [
            "Gold from illegal mines in protected areas is often declared as recycled scrap, "
            "which needs no proof of mine origin in many jurisdictions.",
            "Small refineries mix it with legal supply. By the time it reaches a trading hub, "
            "its paperwork is clean even though its origin is not.",
        ],
        "Follow the declarations, not the metal: the metal all looks the same.",
        "Financial crime analyst at a member organisation",
        9,
        ("#6b4f1d", "#e0b84c"),
    ),
    (
        "Alliance welcomes new wildlife trade controls agreed by coastal states",
        "press-releases",
        "Member governments along a major shipping route agreed to share seizure data within "
        "48 hours, closing a gap that traffickers have long exploited.",
        [
            "The agreement commits port authorities to report seizures of protected species to "
            "each other within two days, using a common format.",
            "Until now, a shipment turned away from one port could be re-routed to another "
            "before anyone there knew to look for it.",
        ],
        "Traffickers count on us not talking to each other. This agreement takes that away.",
        "Chair of the alliance's steering committee",
        12,
        ("#0f4c5c", "#5fa8d3"),
    ),
    (
        "Indigenous guardians map illegal mining camps with open satellite imagery",
        "news",
        "Community guardians combined free satellite images with patrol reports to locate "
        "camps deep inside their territory.",
        [
            "Working with a member research institute, guardians compared monthly satellite "
            "images to spot new clearings along rivers.",
            "Each suspected camp was checked on foot before being reported to the authorities, "
            "so that every report comes with evidence from the ground.",
        ],
        "The satellite tells us where to look. Our feet tell us what is true.",
        "Territorial guardian and member of the community council",
        16,
        ("#2d6a4f", "#b7e4c7"),
    ),
    (
        "Five things prosecutors need to win a timber trafficking case",
        "analysis",
        "From chain-of-custody records to wood anatomy, a practical list drawn from cases "
        "brought by member agencies.",
        [
            "Cases against timber traffickers often fail not for lack of crime but for lack of "
            "evidence that links the wood to the place it was cut.",
            "Prosecutors in member countries told us what made the difference in cases they won.",
        ],
        "Judges believe a tree's rings long before they believe a trader's invoice.",
        "Senior prosecutor in a member country",
        21,
        ("#5a3e2b", "#c58b5a"),
    ),
    (
        "Annual members' meeting set for the spring",
        "events",
        "Members will meet for three days to agree the alliance's priorities for the coming year.",
        [
            "The meeting will review progress on data sharing, joint investigations and support "
            "for frontline defenders.",
            "Member organisations can propose agenda items through the secretariat until the "
            "end of next month.",
        ],
        "The best ideas in this alliance come from the people closest to the forest.",
        "Head of the secretariat",
        25,
        ("#37306b", "#9e8fd1"),
    ),
    (
        "Seized parrots returned to the wild after months of care",
        "news",
        "Birds confiscated at an airport have been released in the forest they were taken from, "
        "after rehabilitation by a member organisation.",
        [
            "The parrots were found hidden in luggage, many of them weak and dehydrated.",
            "Veterinarians and keepers cared for them until they could fly and feed on their "
            "own, then released them with local rangers watching.",
        ],
        "Every bird that flies home is a small verdict against the people who took it.",
        "Veterinarian at the rescue centre",
        31,
        ("#1b5e20", "#f4a261"),
    ),
    (
        "Statement on protecting environmental defenders",
        "press-releases",
        "The alliance calls on all governments to investigate threats against people who "
        "report environmental crime.",
        [
            "Rangers, community monitors and journalists who expose nature crime face threats "
            "and violence in many regions.",
            "Members agreed that no alliance programme will share the identity of a person who "
            "reports a crime without their informed consent.",
        ],
        "Protecting nature starts with protecting the people who defend it.",
        "Statement adopted by the alliance's members",
        38,
        ("#7a1c1c", "#e76f51"),
    ),
    (
        "Why land conversion is the quiet driver of forest crime",
        "analysis",
        "Much illegal deforestation is not about the timber at all, but about the land that is "
        "left behind.",
        [
            "Cleared land can be sold, farmed or used to claim title. In many cases the trees "
            "are simply burned.",
            "That changes what investigators should look for: land registries and cattle "
            "movement records as much as sawmills.",
        ],
        "If you only follow the wood, you miss the crime that pays the most.",
        "Land-use researcher at a member university",
        44,
        ("#8d6e2f", "#d9c27a"),
    ),
    (
        "Member agencies complete first joint investigation",
        "news",
        "Police and customs from three member countries worked together for the first time "
        "under the alliance's data-sharing framework.",
        [
            "The investigation followed a network suspected of moving protected hardwood "
            "across two borders.",
            "Officers exchanged records through the alliance's secure channel instead of "
            "waiting months for formal requests.",
        ],
        "We saved months. In this kind of case, months are the difference between an arrest "
        "and an empty warehouse.",
        "Lead investigator of a member police agency",
        52,
        ("#23395b", "#8ea8c3"),
    ),
    (
        "Webinar: reading shipping data for wildlife trafficking signs",
        "events",
        "An open online session for analysts and journalists on finding patterns in public "
        "shipping records.",
        [
            "The session will show how routes, declared goods and company records can point to "
            "shipments worth a closer look.",
            "It is open to staff of member organisations and to accredited journalists.",
        ],
        "Most of what we need to find traffickers is already public. It is just scattered.",
        "Data analyst at a member organisation",
        60,
        ("#264653", "#2a9d8f"),
    ),
    (
        "Pacific island states to join the alliance",
        "news",
        "Governments from the Pacific have announced their intention to join. This post is "
        "scheduled and appears automatically when the announcement is made.",
        [
            "Their membership would bring the alliance's first members from Oceania's small "
            "island states, where illegal fishing and logging threaten fragile ecosystems.",
        ],
        "Our islands are small, but the crimes against them reach across oceans.",
        "Spokesperson for the island governments",
        -3,
        ("#005f73", "#94d2bd"),
    ),
    (
        "Draft: guidance for members on handling seized wildlife",
        "analysis",
        "Draft guidance still under review by the members' working group.",
        [
            "This draft collects practice from rescue centres and customs agencies on caring "
            "for live animals after a seizure.",
        ],
        "The first hours after a seizure decide whether an animal survives.",
        "Working group on seized wildlife",
        None,
        ("#495057", "#adb5bd"),
    ),
]


def demo_image(colours: tuple[str, str], seed: int, *, name: str) -> ContentFile:
    """Draw a simple landscape: sky gradient, hills and a band of trees."""
    rng = random.Random(seed)
    width, height = 1600, 900
    image = Image.new("RGB", (width, height), colours[1])
    draw = ImageDraw.Draw(image)
    top, bottom = Image.new("RGB", (1, 1), colours[1]), Image.new("RGB", (1, 1), "#ffffff")
    top_rgb, bottom_rgb = top.getpixel((0, 0)), bottom.getpixel((0, 0))
    for y in range(height // 2):
        t = y / (height / 2)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top_rgb, bottom_rgb, strict=True)),
        )
    for layer in range(3):
        base = height // 2 + layer * 110
        points = [(0, height)]
        for x in range(0, width + 100, 100):
            points.append((x, base + rng.randint(-60, 40)))
        points.append((width, height))
        draw.polygon(points, fill=colours[0] if layer == 2 else colours[1 - layer % 2])
    for _ in range(60):
        x, y = rng.randint(0, width), rng.randint(height // 2 + 150, height)
        size = rng.randint(30, 90)
        draw.polygon([(x, y - size * 2), (x - size // 2, y), (x + size // 2, y)], fill=colours[0])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=name)


def body_html(paragraphs: list[str], quote: str, attribution: str) -> str:
    parts = [f"<p>{paragraphs[0]}</p>"]
    parts.append(f"<blockquote><p>{quote}</p><p>— {attribution}</p></blockquote>")
    parts += [f"<p>{text}</p>" for text in paragraphs[1:]]
    parts.append("<h2>About the alliance</h2>")
    parts.append(
        "<p>The alliance brings together governments, law-enforcement agencies, civil society, "
        "Indigenous Peoples' organisations and international bodies against crimes that harm "
        'nature. Read more <a href="/members/">about our members</a>.</p>'
    )
    return "".join(parts)


def load(*, stdout) -> None:
    categories = {}
    for ordering, (name, slug, description) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "ordering": ordering}
        )
    created = 0
    now = timezone.now()
    for index, (
        title,
        category,
        standfirst,
        paragraphs,
        quote,
        who,
        days_ago,
        colours,
    ) in enumerate(POSTS):
        if Post.objects.filter(title=title).exists():
            continue
        post = Post(
            title=title,
            category=categories[category],
            standfirst=standfirst,
            body=body_html(paragraphs, quote, who),
            byline="The Secretariat",
            is_featured=index == 0,
        )
        if days_ago is None:
            post.status = Post.Status.DRAFT
        else:
            post.status = Post.Status.PUBLISHED
            post.published_at = now - timedelta(days=days_ago, hours=index)
        if index % 4 != 3:
            post.image = LibraryImage.objects.create(
                title=f"Illustration: {title}"[:200],
                file=demo_image(colours, index, name=f"demo-{index + 1}.jpg"),
                alt_text=f"Illustration: a stylised landscape of hills and trees ({title})",
                credit="Alliance illustration",
                licence=Licence.OWN,
                focal_y=0.7,  # the band of trees, not the sky, stays in every crop
            )
        post.save()
        created += 1
    stdout.write(f"News: {created} demo posts added, {Post.objects.count()} in all.")


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


def link_members(*, stdout) -> None:
    """Name the demo members in the demo posts about them (after both are loaded)."""
    for title, slugs in POST_MEMBERS.items():
        post = Post.objects.filter(title=title).first()
        if post:
            post.organisations.add(*Organisation.objects.filter(slug__in=slugs))
