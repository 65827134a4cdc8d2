"""Chat pages under ``/chat/`` (product discussions live on product pages: ``<product>/chat/``);
the support desk's under ``/chat/tickets/`` (``chat.support.urls``, same ``chat`` namespace)."""

from django.urls import include, path

from chat import views
from chat.support import urls as support_urls

app_name = "chat"

urlpatterns = [
    path("", views.conversations, name="conversations"),
    path("discussions/", views.discussions, name="discussions"),
    path("direct/<str:username>/", views.direct, name="direct"),
    path("direct/<str:username>/block/", views.block, name="block"),
    path("direct/<str:username>/unblock/", views.unblock, name="unblock"),
    path("lounge/", views.lounge, name="lounge"),
    path("tickets/", include(support_urls)),
    path("messages/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("messages/<int:pk>/delete/", views.message_delete, name="message_delete"),
    path("messages/<int:pk>/hide/", views.message_hide, name="message_hide"),
    path("mute/", views.mute, name="mute"),
    path("history/", views.history, name="history"),
    path("metrics/", views.metrics, name="metrics"),
]
