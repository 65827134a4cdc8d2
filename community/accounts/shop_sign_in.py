"""Sign-in with the shop's account (OpenID Connect through django-allauth's ``openid_connect``).

The shop is one allauth app (``settings.SHOP_OIDC_PROVIDER_ID``) configured from the
``SHOP_OIDC_*`` variables. A customer's first sign-in creates a community account linked by the
shop's ``sub`` (``SocialAccount.uid``, the shop's customer id); later sign-ins find it by that id.
An existing community account is taken over only when both sides vouch for the address: the
shop says ``email_verified`` and the community account has confirmed the same address.
"""

from __future__ import annotations

from allauth.account.internal.decorators import login_not_required
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.contrib.auth.models import AbstractUser
from django.http import Http404, HttpRequest, HttpResponse


class ShopAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's social adapter, stricter about taking over an existing account by e-mail."""

    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[AbstractUser, str] | None:
        """The account whose *confirmed* address the shop also reports as verified, else ``None``.

        allauth would also pick an account that merely typed the address (and wipe its password);
        here an unconfirmed address never joins two people's accounts.
        """
        for address in sociallogin.email_addresses:
            if not (address.verified and self.can_authenticate_by_email(sociallogin, address.email)):
                continue
            confirmed = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                .select_related("user").order_by("pk").first()
            )
            if confirmed is not None:
                return confirmed.user, address.email
        return None


class ShopOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, checking every ID token's signature.

    allauth skips the signature of a token it fetched itself (OpenID Connect allows that over
    TLS); the shop's keys are checked anyway, so a token altered on the way or by a
    misconfigured proxy is refused rather than trusted.
    """

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


@login_not_required
def shop_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's OpenID Connect callback with :class:`ShopOIDCAdapter` (mounted on its URL)."""
    try:
        return OAuth2CallbackView.adapter_view(ShopOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
