"""The shop's API keys in the Wagtail admin (superusers only): create — the key is shown once —,
rename or change scopes, and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import CreateView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from community.admin_roles import SuperusersOnly
from community.catalog import keys
from community.catalog.models import ShopApiKey


class KeyCreateView(CreateView):
    """Creates the key through :func:`keys.api_key_create` and shows it once, instead of
    redirecting (a redirect would have to carry the key in the session or a message cookie)."""

    def form_valid(self, form):
        scopes = [scope for scope in keys.SCOPES if form.cleaned_data.get(f"scope_{scope}")]
        try:
            key, raw = keys.api_key_create(actor=self.request.user, name=form.cleaned_data["name"], scopes=scopes)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return TemplateResponse(self.request, "catalog/admin/api_key_created.html", {
            "key": key, "raw_key": raw, "index_url": reverse(self.index_url_name),
        })


class KeyIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.is_active:
            buttons.append(MenuItem(_("Revoke"), url=reverse("shop_api_keys:revoke", args=[instance.pk]),
                                    icon_name="lock", priority=30))
        return buttons


class KeyRevokeView(WagtailAdminTemplateMixin, TemplateView):
    """Confirm (GET) and revoke (POST) one key; revoking is final."""

    template_name = "catalog/admin/api_key_revoke.html"
    page_title = _("Revoke the API key")

    def dispatch(self, request, *args, pk: int, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        self.key = get_object_or_404(ShopApiKey, pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.key)

    def get_context_data(self, **kwargs):
        return super().get_context_data(key=self.key, index_url=reverse("shop_api_keys:index"), **kwargs)

    def post(self, request, *args, **kwargs):
        keys.api_key_revoke(actor=request.user, key=self.key)
        messages.success(request, _("The key “%(name)s” is revoked.") % {"name": self.key.name})
        return redirect("shop_api_keys:index")


class ShopApiKeyViewSet(ModelViewSet):
    model = ShopApiKey
    name = "shop_api_keys"
    icon = "key"
    menu_label = _("Shop API keys")
    add_to_settings_menu = True
    copy_view_enabled = False
    add_view_class = KeyCreateView
    index_view_class = KeyIndexView
    form_fields = ["name", "scope_read", "scope_feed", "scope_webhooks"]
    list_display = ["name", "prefix", "scopes", "created", "last_used_at", "revoked_at"]
    list_filter = ["scope_read", "scope_feed", "scope_webhooks"]

    def on_register(self):
        SuperusersOnly.register_for(self.model)
        super().on_register()

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("revoke/<int:pk>/", KeyRevokeView.as_view(), name="revoke")]
