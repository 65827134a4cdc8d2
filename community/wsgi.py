"""WSGI entry point for HTTP workers (gunicorn) in production; websockets need asgi.py."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
application = get_wsgi_application()

from community.checks import ensure_static_manifest  # noqa: E402  (needs the app registry ready)

ensure_static_manifest()
