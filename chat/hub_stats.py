"""Process-wide counters of the chat hub (``chat.fanout``, ``chat.recovery``,
``chat.layer_reader``): deliveries, gaps (layer drops detected), refilled messages,
duplicates ignored, layer read errors and recoveries. Logged as a summary by the heartbeat."""

from __future__ import annotations

from collections import Counter

stats: Counter = Counter()
