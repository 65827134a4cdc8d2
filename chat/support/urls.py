"""Support desk pages, included by ``chat.urls`` under ``tickets/`` in the ``chat`` namespace
(``chat:tickets``, ``chat:ticket_new``, ``chat:ticket``, ``chat:ticket_action``)."""

from django.urls import path

from chat.support import views

urlpatterns = [
    path("", views.tickets, name="tickets"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("<str:code>/", views.ticket, name="ticket"),
    path("<str:code>/<str:action>/", views.ticket_action, name="ticket_action"),
]
