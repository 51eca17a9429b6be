import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncasite.settings")

# Serving (gunicorn, runserver) refuses to start without a real key in production.
if settings.SECRET_KEY_PROBLEM:
    raise ImproperlyConfigured(settings.SECRET_KEY_PROBLEM)

application = get_wsgi_application()
