from django import template

from newsletter.forms import SubscribeForm

register = template.Library()


@register.inclusion_tag("includes/newsletter_form.html", takes_context=True)
def newsletter_form(context, form=None, *, id_prefix="footer", source=""):
    """The sign-up form; `source` is the page it was first sent from (this page by default)."""
    request = context.get("request")
    return {
        "form": form or SubscribeForm(auto_id=f"{id_prefix}-%s"),
        "source": source or (request.path if request else ""),
        "id_prefix": id_prefix,
    }
