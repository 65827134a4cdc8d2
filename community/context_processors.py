"""Template context every page needs: site name, languages, the canonical URL."""

from django.conf import settings

from community.seo import absolute_url


def site(request):
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        # On the canonical origin (SITE_URL), whatever Host the request came with.
        "canonical_url": absolute_url(request.path),
    }
