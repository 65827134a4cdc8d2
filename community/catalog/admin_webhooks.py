"""Webhooks in the Wagtail admin (superusers only): the shop's endpoints (URL, events, signing
secret) and the delivery log — every attempt with its status — with «Resend»."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic.models import InspectView
from wagtail.admin.viewsets.model import ModelViewSet

from community.admin_roles import Role, RolePermissionPolicy, SuperusersOnly
from community.catalog import webhooks
from community.catalog.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


class EndpointForm(WagtailAdminModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=_("Events"), choices=WebhookEvent.choices,
                                       widget=forms.CheckboxSelectMultiple, required=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Use an http:// or https:// URL."))
        return url

    def save(self, commit: bool = True):
        if not self.instance.secret:
            self.instance.secret = webhooks.new_secret()
        return super().save(commit=commit)


class WebhookEndpointViewSet(ModelViewSet):
    model = WebhookEndpoint
    name = "shop_webhooks"
    icon = "link"
    menu_label = _("Shop webhooks")
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["name", "url", "is_active", "created"]
    inspect_view_fields = ["name", "url", "events", "is_active", "secret", "created"]

    def get_form_class(self, for_update=False):
        return EndpointForm

    def on_register(self):
        SuperusersOnly.register_for(self.model)
        super().on_register()


class DeliveryInspectView(InspectView):
    template_name = "catalog/admin/webhook_delivery_inspect.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            attempts=self.object.attempt_log.order_by("number"),
            resend_url=reverse("shop_webhook_deliveries:resend", args=[self.object.pk]), **kwargs)


class DeliveryResendView(View):
    def post(self, request, pk: int):
        if not request.user.is_superuser:
            raise PermissionDenied
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        webhooks.webhook_resend(actor=request.user, delivery=delivery)
        messages.success(request, _("The delivery is queued to be sent again."))
        return redirect("shop_webhook_deliveries:inspect", delivery.pk)


class WebhookDeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    name = "shop_webhook_deliveries"
    icon = "list-ul"
    menu_label = _("Webhook deliveries")
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = DeliveryInspectView
    list_display = ["created", "endpoint", "event", "status", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["status", "event", "endpoint"]
    list_per_page = 50
    inspect_view_fields = ["endpoint", "event", "message_id", "status", "attempts", "last_status_code",
                           "next_attempt_at", "created", "delivered_at", "body"]
    form_fields: list = []

    def on_register(self):
        DeliveryLogPolicy.register_for(self.model)
        super().on_register()

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("resend/<int:pk>/", DeliveryResendView.as_view(), name="resend")]


class DeliveryLogPolicy(RolePermissionPolicy):
    """The log is written by the worker only: superusers view it (and resend)."""

    grants = {Role.SUPERUSER: {"view"}}
