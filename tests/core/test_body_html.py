from core.body_html import canonical_figures, figures, link_refs, with_link_hrefs
from core.prose_extensions import FIGURE_SIZES
from core.richtext import is_local_srcset, is_local_url

FIGURE = (
    '<figure data-image="7"><img src="/media/a-960.jpg" srcset="/media/a-640.jpg 640w, '
    f'/media/a-960.jpg 960w" sizes="{FIGURE_SIZES}" width="960" height="640" '
    'alt="Rangers &amp; a boat" loading="lazy"><figcaption>On the river '
    '<span class="credit">Ana Quispe</span></figcaption></figure>'
)


def test_link_refs_lists_each_reference_once():
    body = (
        '<p><a href="/members/a/" data-ref="member:3">A</a> <a href="/news/b/" '
        'data-ref="post:12">B</a> <a data-ref="member:3" href="/members/a/">again</a></p>'
    )
    assert link_refs(body) == {"member:3", "post:12"}


def test_link_refs_is_empty_without_internal_links():
    assert link_refs('<p><a href="https://example.org/">out</a> data-ref="post:1"</p>') == set()


def test_with_link_hrefs_rewrites_only_known_references():
    body = (
        '<p><a href="/members/old/" data-ref="member:3">A</a> '
        '<a data-ref="post:4" href="/news/old/">B</a> <a href="https://example.org/">C</a></p>'
    )
    rewritten = with_link_hrefs(body, {"member:3": "/members/new/"})
    assert rewritten == body.replace("/members/old/", "/members/new/")


def test_with_link_hrefs_adds_a_missing_href_and_escapes_it():
    body = '<p><a data-ref="member:3">A</a></p>'
    assert with_link_hrefs(body, {"member:3": '/m/"x"/'}) == (
        '<p><a href="/m/&quot;x&quot;/" data-ref="member:3">A</a></p>'
    )


def test_canonical_figure_is_unchanged():
    assert canonical_figures(FIGURE) == FIGURE


def test_figures_reads_image_caption_and_credit():
    [figure] = figures(FIGURE)
    assert (figure.image_id, figure.alt, figure.caption, figure.credit) == (
        7,
        "Rangers & a boat",
        "On the river",
        "Ana Quispe",
    )


def test_canonical_figures_drops_what_the_editor_cannot_make():
    messy = (
        '<figure data-image="7"><p>stray</p><img src="/media/a.jpg" width="9" height="9" '
        'alt="x"><img src="/media/b.jpg"><figcaption><strong>Bold</strong> caption'
        "</figcaption></figure><img src='/media/loose.jpg'><figcaption>loose</figcaption>"
    )
    assert canonical_figures(messy) == (
        f'<figure data-image="7"><img src="/media/a.jpg" sizes="{FIGURE_SIZES}" width="9" '
        'height="9" alt="x" loading="lazy"><figcaption>Bold caption</figcaption></figure>loose'
    )


def test_a_figure_without_an_image_is_dropped():
    assert canonical_figures("<p>a</p><figure><figcaption>c</figcaption></figure>") == "<p>a</p>"


def test_local_urls_are_paths_on_this_site_or_media(settings):
    settings.MEDIA_URL = "https://media.example.org/ncasite/"
    assert is_local_url("/media/a.jpg")
    assert is_local_url("https://media.example.org/ncasite/library/a.jpg")
    for url in ["//evil.example/a.jpg", "https://evil.example/a.jpg", "data:image/png;base64,AA",
                "javascript:alert(1)", "/\\evil.example/a.jpg", "media/a.jpg"]:  # fmt: skip
        assert not is_local_url(url), url


def test_srcset_must_be_local_urls_with_widths():
    assert is_local_srcset("/media/a.jpg 640w, /media/b.jpg 960w")
    assert not is_local_srcset("/media/a.jpg 640w, https://evil.example/b.jpg 960w")
    assert not is_local_srcset("/media/a.jpg 2x")
    assert not is_local_srcset("/media/a.jpg")
