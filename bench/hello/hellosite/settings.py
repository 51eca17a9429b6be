"""The floor: Django with one view, no apps and no middleware, DEBUG off."""

import os
import secrets

DEBUG = False
SECRET_KEY = os.environ.get("HELLO_SECRET_KEY") or secrets.token_urlsafe(64)
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "hellosite.urls"
WSGI_APPLICATION = "hellosite.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
