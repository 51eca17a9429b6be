"""Loaded with `-p` before pytest-django imports the settings.

Tests run in development mode over plain http; Django itself turns DEBUG off while testing.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
