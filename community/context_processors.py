"""Template context every page needs: site name, languages, the canonical URL."""

from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "canonical_url": request.build_absolute_uri(request.path),
    }
