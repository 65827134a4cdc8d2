"""Websocket routes under ``/ws/`` (composition root: the chat app adds its consumer here)."""

from django.urls import path

from chat.consumers import ChatConsumer

websocket_urlpatterns: list = [
    path("ws/", ChatConsumer.as_asgi()),
]
