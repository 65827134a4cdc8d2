"""A URLconf with a view that fails, for the 500 page test."""

from django.urls import path

handler500 = "community.views.server_error"


def boom(request):
    raise RuntimeError("secret-detail that must never reach the visitor")


urlpatterns = [path("boom/", boom)]
