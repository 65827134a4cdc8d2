"""The layer reader and the hub stop when they are cancelled, whatever the layer's client turns
the cancellation into (redis-py may close its connection and raise ConnectionError instead)."""

from __future__ import annotations

import asyncio

import pytest

from chat.layer_reader import LayerReader


async def _read_that_hides_cancellation() -> dict:
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        raise ConnectionError("Connection closed by server.") from None
    return {}


async def test_a_cancelled_reader_stops_even_when_the_layer_turns_the_cancellation_into_an_error():
    reader = LayerReader(_read_that_hides_cancellation, who="a test")
    task = asyncio.create_task(reader.receive())
    await asyncio.sleep(0.05)
    task.cancel()
    done, _pending = await asyncio.wait([task], timeout=2)
    assert task in done and task.cancelled()


async def test_a_reader_still_retries_a_plain_read_error():
    calls = []

    async def fails_once() -> dict:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("Redis restarting")
        return {"type": "chat.message"}

    assert await asyncio.wait_for(LayerReader(fails_once, who="a test").receive(), 5) == {"type": "chat.message"}
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
async def test_the_hub_stops_within_its_timeout_when_its_last_socket_leaves(sockets, shopper, product):
    from channels.layers import get_channel_layer

    from chat import fanout

    socket = await sockets(shopper)
    await socket.subscribe(f"product:{product.pk}")
    hub = fanout.hub_for(get_channel_layer())
    assert hub.tasks
    await asyncio.wait_for(socket.close(), 10)
    assert hub.tasks == [] and hub.channel is None
