"""The peer line for ``bench.chat``: a tutorial-style chat consumer, as in the Channels
tutorial. Every socket joins the room's group, each message is a ``group_send`` (the layer
carries one copy per socket), each socket encodes its own JSON, nothing is stored, nothing is
acknowledged, nothing can be resumed.

Served by daphne as ``bench.naive_chat:application`` with the project's settings (for the
channel layer only).
"""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "naive.room"


class NaiveChatConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        data = json.loads(text_data or "{}")
        if data.get("type") == "send":
            await self.channel_layer.group_send(GROUP, {
                "type": "chat.message", "body": data.get("body", ""), "client_id": data.get("client_id", ""),
            })

    async def chat_message(self, event: dict) -> None:
        await self.send(text_data=json.dumps({"type": "message", "message": {
            "body": event["body"], "client_id": event["client_id"]}}))


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/", NaiveChatConsumer.as_asgi())])})
