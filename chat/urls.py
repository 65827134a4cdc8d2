"""Chat pages under ``/chat/`` (product discussions live on product pages: ``<product>/chat/``)."""

from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("", views.conversations, name="conversations"),
    path("direct/<str:username>/", views.direct, name="direct"),
    path("direct/<str:username>/block/", views.block, name="block"),
    path("direct/<str:username>/unblock/", views.unblock, name="unblock"),
    path("lounge/", views.lounge, name="lounge"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<str:code>/", views.ticket, name="ticket"),
    path("tickets/<str:code>/<str:action>/", views.ticket_action, name="ticket_action"),
    path("messages/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("messages/<int:pk>/delete/", views.message_delete, name="message_delete"),
    path("messages/<int:pk>/hide/", views.message_hide, name="message_hide"),
    path("mute/", views.mute, name="mute"),
    path("history/", views.history, name="history"),
]
