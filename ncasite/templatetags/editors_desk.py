"""`{% editors_desk %}`: the desk on the admin's start page (templates/admin/index.html).

A template tag rather than an AdminSite subclass, so that the desk needs nothing of the site
class: any admin index template can load it.
"""

from django import template

from ncasite.desk import desk_for

register = template.Library()


@register.inclusion_tag("admin/desk.html", takes_context=True)
def editors_desk(context):
    request = context["request"]
    return {"request": request, "user": request.user, **desk_for(request.user)}
