"""The websocket handshake, before any database work: foreign origins are refused."""

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator


@pytest.fixture
def fresh_layer():
    """A channel layer bound to this test's event loop (channels-redis binds to one loop)."""
    channel_layers.backends.pop("default", None)
    yield
    channel_layers.backends.pop("default", None)


async def test_websockets_from_foreign_origins_are_refused(fresh_layer):
    from community.asgi import application

    for origin in (b"https://evil.example.com", b"http://testserver.evil.example.com", b"null"):
        communicator = WebsocketCommunicator(application, "/ws/", headers=[(b"origin", origin), (b"host", b"testserver")])
        connected, _code = await communicator.connect()
        assert not connected, origin
        await communicator.disconnect()


async def test_websockets_from_the_site_itself_are_accepted(db, fresh_layer):
    from community.asgi import application

    communicator = WebsocketCommunicator(application, "/ws/", headers=[(b"origin", b"http://testserver"),
                                                                      (b"host", b"testserver")])
    connected, _code = await communicator.connect()
    assert connected
    await communicator.disconnect()
