"""The personal account page ("Личный кабинет") and public profiles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from community import seo
from community.accounts import selectors, services, trust
from community.accounts.forms import ProfileForm, ProfileVisibilityForm
from community.accounts.models import DataExport, Profile
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
    """A user's public profile; other apps add blocks through the ``profile_sections`` hook.

    A private profile answers 404 to everyone but its owner, like an unknown user (it reveals
    nothing, not even that the account exists); the owner sees it marked private, ``noindex``,
    without structured data."""
    user = get_object_or_404(get_user_model().objects.select_related("profile").filter(is_active=True),
                             username=username)
    own = request.user.is_authenticated and request.user.pk == user.pk
    if not user.profile.public and not own:
        raise Http404(_("No such profile."))
    sections = selectors.profile_sections(request=request, user=user)
    context = {"profile_user": user, "profile": user.profile, "sections": sections,
               "private": not user.profile.public,
               "indexable": user.profile.public and trust.is_indexable([user])}
    for section in sections:
        context.update(section.context)
    return render(request, "accounts/profile.html", context)


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """«Приватность и мои данные»: the public profile on/off, export the data (JSON built in the
    background) or delete the account."""
    from community.accounts import personal_data
    from community.accounts.forms import DeleteAccountForm

    deleting = request.method == "POST" and request.POST.get("action") == "delete"
    delete_form = DeleteAccountForm(request.POST if deleting else None)
    profile, _created = Profile.objects.get_or_create(user=request.user)
    if request.method == "POST" and request.POST.get("action") == "visibility":
        visibility_form = ProfileVisibilityForm(request.POST)
        if visibility_form.is_valid():
            services.profile_set_public(user=request.user, public=visibility_form.cleaned_data["public"])
            messages.success(request, _("Your profile is public.") if visibility_form.cleaned_data["public"]
                             else _("Your profile is private."))
            return redirect("cabinet_privacy")
    visibility_form = ProfileVisibilityForm(initial={"public": profile.public})
    if request.method == "POST" and request.POST.get("action") == "export":
        personal_data.data_export_request(user=request.user)
        messages.success(request, _("We are preparing your data: the download link appears here in a few minutes."))
        return redirect("cabinet_privacy")
    if deleting and delete_form.is_valid():
        try:
            personal_data.account_delete(user=request.user, password=delete_form.cleaned_data["password"])
        except personal_data.AccountError as error:
            delete_form.add_error("password", str(error))
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Your reviews and answers stay, without your name."))
            return redirect("/")
    exports = DataExport.objects.filter(user=request.user).only("pk", "state", "created", "finished")[:5]
    return render(request, "accounts/privacy.html", {"exports": exports, "delete_form": delete_form,
                                                     "visibility_form": visibility_form, "profile": profile},
                  status=400 if delete_form.errors else 200)


@login_required
def data_export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    export = DataExport.objects.filter(pk=export_id, user=request.user, state=DataExport.State.READY).first()
    if export is None:
        raise Http404(_("No such export."))
    response = HttpResponse(export.content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data-{export.created:%Y-%m-%d}.json"'
    return response
