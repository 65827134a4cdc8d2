"""Room keys: how frames and URLs name a room, and how a key is resolved.

* ``product:<page id>`` — a product's discussion (the room row is created with its first message),
* ``lounge`` — the Experts' lounge,
* ``room:<id>`` — a direct conversation or a support ticket.

Channel-layer group names are derived from the key (``chat.product.42``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chat.models import Room, RoomKind

# ASCII digits only (``\d`` would take any Unicode digit) and the whole key (``$`` would let a
# trailing newline through): matched with ``fullmatch``.
_KEY = re.compile(r"(?:product:(?P<product>[0-9]{1,18})|room:(?P<room>[0-9]{1,18})|(?P<lounge>lounge))")

LOUNGE_KEY = "lounge"


def room_key(room: Room) -> str:
    if room.kind == RoomKind.PRODUCT:
        return f"product:{room.product_id}"
    if room.kind == RoomKind.LOUNGE:
        return LOUNGE_KEY
    return f"room:{room.pk}"


def product_key(product_id: int) -> str:
    return f"product:{product_id}"


def group_name(key: str) -> str:
    """The channel-layer group of a room (ASCII letters, digits and dots only)."""
    return "chat." + key.replace(":", ".")


def user_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


STAFF_GROUP = "chat.staff"


@dataclass
class RoomRef:
    """A resolved key: the room's kind, its row (None for a product room without messages yet)
    and, for product rooms, the product."""

    key: str
    kind: str
    room: Room | None = None
    product: object | None = None

    @property
    def product_live(self) -> bool:
        return self.product is not None and getattr(self.product, "live", False)


def parse_key(key: object) -> tuple[str, int | None] | None:
    """``("product", 42)``, ``("room", 7)``, ``("lounge", None)`` or None for a malformed key."""
    if not isinstance(key, str) or len(key) > 40:
        return None
    match = _KEY.fullmatch(key)
    if not match:
        return None
    if match["product"]:
        return "product", int(match["product"])
    if match["room"]:
        return "room", int(match["room"])
    return "lounge", None


def resolve(key: object) -> RoomRef | None:
    """Look the key up in the database (one or two queries); None when no such room exists."""
    from community.catalog.models import ProductPage

    parsed = parse_key(key)
    if parsed is None:
        return None
    kind, number = parsed
    if kind == "product":
        product = ProductPage.objects.filter(pk=number).only("id", "live", "title", "url_path").first()
        if product is None:
            return None
        room = Room.objects.filter(kind=RoomKind.PRODUCT, product_id=number).first()
        return RoomRef(key=str(key), kind=RoomKind.PRODUCT, room=room, product=product)
    if kind == "lounge":
        return RoomRef(key=LOUNGE_KEY, kind=RoomKind.LOUNGE, room=Room.objects.filter(kind=RoomKind.LOUNGE).first())
    room = Room.objects.select_related("ticket").filter(pk=number, kind__in=[RoomKind.DIRECT, RoomKind.TICKET]).first()
    if room is None:
        return None
    return RoomRef(key=str(key), kind=room.kind, room=room)


def ref_for_room(room: Room) -> RoomRef:
    return RoomRef(key=room_key(room), kind=room.kind, room=room,
                   product=room.product if room.kind == RoomKind.PRODUCT else None)
