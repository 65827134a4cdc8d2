"""Websocket routes under ``/ws/``.

Part of the composition root (with ``settings.py``, ``urls.py``, ``asgi.py`` and ``wsgi.py``):
like them it may import feature apps — here chat's consumer. Nothing else in ``community/``
does (``tests/test_architecture.py`` enforces it).
"""

from django.urls import path

from chat.consumers import ChatConsumer

websocket_urlpatterns: list = [
    path("ws/", ChatConsumer.as_asgi()),
]
