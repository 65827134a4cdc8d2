"""Websocket routes under ``/ws/`` (composition root: the chat app adds its consumer here)."""

websocket_urlpatterns: list = []
