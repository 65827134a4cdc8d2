"""The Content-Security-Policy of every response (django-csp), with the Wagtail admin's own.

Public pages run no inline script and no inline event handler: every script is a static file
(``script-src 'self'``). Style attributes stay allowed (``style-src-attr 'unsafe-inline'``: the
rating stars and histogram bars are sized by a computed ``style``), ``<style>`` elements and
foreign styles are not. JSON-LD (``<script type="application/ld+json">``) is data, not script:
browsers do not execute it, so CSP does not block it and it needs no nonce.

The Wagtail admin (``/admin/``) gets a relaxed policy rather than none: its templates carry
inline scripts (inline panels, date widgets) and inline styles that we do not control. It is
served only to signed-in staff, and still allows nothing from other origins and no framing by
other sites.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing ``CONTENT_SECURITY_POLICY_ADMIN`` under the admin."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        admin_prefix = getattr(settings, "CSP_ADMIN_URL_PREFIX", "/admin/")
        if not report_only and parts.config is None and request.path_info.startswith(admin_prefix):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        return parts
