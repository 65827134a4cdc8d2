"""Write paths for profiles."""

from __future__ import annotations

from django.db import transaction

from community.accounts.models import Profile


def profile_update(*, user, display_name: str, about: str, avatar=None) -> Profile:
    """Update the acting user's own profile (one can only edit oneself)."""
    with transaction.atomic():
        profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
        profile.display_name = display_name
        profile.about = about
        if avatar is not None:
            profile.avatar = avatar or ""
        profile.full_clean()
        profile.save()
    return profile


def profile_set_public(*, user, public: bool) -> Profile:
    """Show or hide the acting user's public profile (one can only change one's own)."""
    with transaction.atomic():
        profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
        if profile.public != public:
            profile.public = public
            profile.save(update_fields=["public"])
    return profile
