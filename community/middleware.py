"""The UI language comes from the visitor's choice (a cookie), never from the URL.

Content is Russian and every page has one URL whatever the UI language, so Accept-Language
is deliberately ignored: crawlers and first-time visitors get the Russian UI, and a visitor
who picks English in the switcher keeps it through the ``lang`` cookie.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class CookieLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
