"""Keep a profile beside every user and its "email verified" flag in step with allauth; forget
the cached permissions when groups or permissions change."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, user_signed_up
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from community.accounts.models import Profile
from community.accounts.permissions import permissions_changed


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


def forget_permissions(**kwargs) -> None:
    # Now, and again after commit: a request that read the old rows in between is overwritten.
    permissions_changed()
    transaction.on_commit(permissions_changed)


for _through in (get_user_model().groups.through, get_user_model().user_permissions.through,
                 Group.permissions.through):
    m2m_changed.connect(forget_permissions, sender=_through, dispatch_uid=f"accounts_perms_{_through.__name__}")
for _model in (Group, Permission):
    post_delete.connect(forget_permissions, sender=_model, dispatch_uid=f"accounts_perms_delete_{_model.__name__}")
post_save.connect(forget_permissions, sender=Permission, dispatch_uid="accounts_perms_save_permission")
