"""The personal account page ("Личный кабинет") and public profiles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from community import seo
from community.accounts import selectors, services, trust
from community.accounts.forms import ProfileForm
from community.accounts.models import Profile
from community.accounts.sitemaps import profile_version


@login_required
def cabinet(request: HttpRequest) -> HttpResponse:
    profile, _created = Profile.objects.get_or_create(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            services.profile_update(
                user=request.user,
                display_name=form.cleaned_data["display_name"],
                about=form.cleaned_data["about"],
                avatar=form.cleaned_data["avatar"] if "avatar" in request.FILES or form.cleaned_data["avatar"] is False else None,
            )
            messages.success(request, _("Profile saved."))
            return redirect("cabinet")
    else:
        form = ProfileForm(instance=profile)
    sections = selectors.cabinet_sections(request=request)
    context = {
        "profile": profile,
        "form": form,
        "purchases": selectors.purchase_list_for_user(user=request.user),
        "sections": sections,
    }
    for section in sections:
        context.update(section.context)
    return render(request, "accounts/cabinet.html", context)


@seo.conditional(profile_version)
def profile(request: HttpRequest, username: str) -> HttpResponse:
    """A user's public profile; other apps add blocks through the ``profile_sections`` hook."""
    user = get_object_or_404(get_user_model().objects.select_related("profile").filter(is_active=True),
                             username=username)
    sections = selectors.profile_sections(request=request, user=user)
    context = {"profile_user": user, "profile": user.profile, "sections": sections,
               "indexable": trust.is_indexable([user])}
    for section in sections:
        context.update(section.context)
    return render(request, "accounts/profile.html", context)
