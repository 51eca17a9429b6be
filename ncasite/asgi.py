import os

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncasite.settings")

# Serving (gunicorn, runserver) refuses to start without a real key in production.
if settings.SECRET_KEY_PROBLEM:
    raise ImproperlyConfigured(settings.SECRET_KEY_PROBLEM)

application = get_asgi_application()
