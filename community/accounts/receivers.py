"""Keep a profile beside every user and its "email verified" flag in step with allauth."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_signed_up
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from community.accounts.models import Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_profile_for_user")
def create_profile(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(email_confirmed, dispatch_uid="accounts_email_confirmed")
def mark_email_verified(request, email_address, **kwargs):
    Profile.objects.filter(user_id=email_address.user_id).update(email_verified=True)


@receiver(user_signed_up, dispatch_uid="accounts_shop_sign_up_verified")
def mark_verified_after_shop_sign_up(request, user, sociallogin=None, **kwargs):
    """A customer who arrives from the shop with an address it verified is verified at once."""
    if sociallogin is not None and EmailAddress.objects.filter(user=user, verified=True).exists():
        Profile.objects.filter(user=user).update(email_verified=True)
