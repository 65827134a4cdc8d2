"""Every websocket frame type, fuzzed with Hypothesis through the real ASGI stack
(WebsocketCommunicator: origin check, session auth, the configured channel layer and database).

Frames mix valid and broken fields — Unicode edge cases (NUL, lone surrogates, zero-width and
right-to-left characters), huge and negative numbers, NaN, deep nesting, wrong types, missing
fields — and raw text that is not JSON at all. After each frame a probe frame checks that the
socket still answers. Asserted: no unhandled exception (no ``server_error``, the socket never
closes), every answer is a well-formed server frame, input that cannot be right gets an
``error`` frame, and nothing half-written reaches the database.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chat import frames, rooms, services
from chat.models import Message
from tests.chat.conftest import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

PROBE = {"v": 1, "type": "read", "room": "probe", "upto": -1}  # always answered: bad_frame, room "probe"

any_text = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates and NUL included
edge_text = st.sampled_from(["", " ", "\x00", "\ud800", "\udfff", "a\ud83d", "\u200b\u200b", "\u202etxet",
                             "\ufeff", "\u3164", "<script>alert(1)</script>", "💬" * 30, "x" * 3000,
                             "product:1\n", "lounge\x00", "١٢٣"])
numbers = st.one_of(st.integers(), st.integers(min_value=-2**200, max_value=2**200), st.floats(),
                    st.sampled_from([0, -1, 2**63 - 1, 2**63, 2**64, 10**30]))
scalars = st.one_of(st.none(), st.booleans(), numbers, any_text, edge_text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
                      max_leaves=12)


def frame_strategy(keys: list[str]) -> st.SearchStrategy:
    room = st.one_of(st.sampled_from(keys), values)
    client_id = st.one_of(st.text("abcXYZ019_.:-", min_size=1, max_size=64), values)
    body = st.one_of(st.text(max_size=200), edge_text, values)
    since = st.one_of(st.none(), st.integers(min_value=0, max_value=10**6), values)
    kind = st.one_of(st.sampled_from(frames.CLIENT_TYPES), st.sampled_from(["", "SEND", "send ", "error"]), values)
    version = st.one_of(st.just(1), values)
    fields = {"room": room, "client_id": client_id, "body": body, "since": since, "upto": since, "v": version}
    return st.builds(
        lambda kind, chosen: {"type": kind, **chosen},
        kind,
        st.fixed_dictionaries({}, optional=fields),
    )


raw_text = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=200),  # not JSON (or JSON of the wrong shape)
    st.integers(min_value=1, max_value=4000).map(lambda n: "[" * n + "]" * n),
    st.integers(min_value=1, max_value=1500).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.just('{"v":1,"type":"send","room":"lounge","client_id":"x","body":"' + "я" * 5000 + '"}'),  # > 8 KB
)


def is_surely_invalid(frame) -> bool:
    """Frames that cannot be right whoever sends them: they must get an error frame."""
    if not isinstance(frame, dict) or frame.get("type") not in frames.CLIENT_TYPES:
        return True
    if frame.get("v", 1) != 1:
        return True
    return not isinstance(frame.get("room"), str) or rooms.parse_key(frame["room"]) is None


async def exchange(communicator: WebsocketCommunicator, text: str | None) -> list[dict]:
    """Send ``text`` (or nothing), then the probe; every frame received until the probe's answer."""
    if text is not None:
        await communicator.send_to(text_data=text)
    await communicator.send_to(text_data=json.dumps(PROBE))
    received = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=10))
        assert frame.get("v") == 1 and frame.get("type") in frames.SERVER_TYPES, frame
        if frame["type"] == "error" and frame.get("room") == "probe":
            assert frame["code"] == "bad_frame"
            return received
        received.append(frame)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_frames_never_break_the_socket_or_the_database(data, product, shopper, other_shopper, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "chat_send": (100_000, 10)}
    direct = services.direct_room_for(actor=shopper, other=other_shopper)
    keys = [rooms.product_key(product.pk), rooms.room_key(direct), "lounge"]
    signed_in = data.draw(st.booleans(), label="signed in")
    cookie = session_cookie(shopper) if signed_in else None
    inputs = data.draw(st.lists(st.one_of(frame_strategy(keys).map(lambda f: ("frame", f)),
                                          raw_text.map(lambda t: ("raw", t))), min_size=1, max_size=4), label="frames")

    async def run() -> None:
        from community.asgi import application

        channel_layers.backends.pop("default", None)
        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
        communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
        connected, _code = await communicator.connect(timeout=10)
        assert connected
        try:
            await exchange(communicator, None)  # the greeting (unread count) for signed-in users
            for kind, item in inputs:
                text = json.dumps(item) if kind == "frame" else item  # ASCII escapes, as a client sends
                answers = await exchange(communicator, text)
                codes = [frame["code"] for frame in answers if frame["type"] == "error"]
                assert "server_error" not in codes, (item, answers)
                if kind == "raw" or is_surely_invalid(item):
                    try:
                        parsed = json.loads(text)
                    except (ValueError, RecursionError):
                        parsed = None
                    if kind == "frame" or parsed is None or is_surely_invalid(parsed):
                        assert codes, (item, answers)
        finally:
            await communicator.disconnect()
            layer = get_channel_layer()
            if hasattr(layer, "flush"):
                await layer.flush()
            if hasattr(layer, "close_pools"):
                await layer.close_pools()
            channel_layers.backends.pop("default", None)

    async_to_sync(run)()
    # Nothing half-written: every stored message is whole, visible text from a signed-in author.
    for message in Message.objects.all():
        assert message.author_id == shopper.pk and message.room.last_message_id >= message.pk
        assert message.body and not services.is_blank(message.body) and "\x00" not in message.body
        assert message.body_html and services.CLIENT_ID.fullmatch(message.client_id)
