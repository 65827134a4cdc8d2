"""Start-up checks: a misconfiguration stops the server at start with a clear message, instead
of answering 500 to every request.

With ``DEBUG=0`` static URLs come from ``ManifestStaticFilesStorage`` (hashed names from
``STATIC_ROOT/staticfiles.json``, written by ``collectstatic``). Without that manifest every
``{% static %}`` raises, so every page — the error pages included — would be a 500. The ASGI
and WSGI entry points call ``ensure_static_manifest()``; ``manage.py check --deploy`` reports
the same problem.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def static_manifest_problem() -> str | None:
    """Why static URLs cannot be built, or ``None`` when they can."""
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):  # the lazy object proxies isinstance
        return None
    if storage.exists(storage.manifest_name) and storage.hashed_files:
        return None
    location = storage.path(storage.manifest_name)
    return (
        f"The static files manifest {location} is missing or empty. With DEBUG off the site uses "
        "hashed static file names: run `python manage.py collectstatic --no-input` (with the same "
        "STATIC_ROOT) before starting the server."
    )


def ensure_static_manifest() -> None:
    """Refuse to start a server that could only answer 500."""
    problem = static_manifest_problem()
    if problem:
        raise ImproperlyConfigured(problem)


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problem = static_manifest_problem()
    return [checks.Error(problem, id="community.E001")] if problem else []
