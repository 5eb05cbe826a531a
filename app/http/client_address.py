"""Who is the client: the peer address, or the forwarded one when the peer is a trusted proxy.

``X-Forwarded-For`` is whatever the sender wrote, so it is believed only from the proxies
the operator configured (``SK_TRUSTED_PROXIES``, empty by default). The list is read from
the right: each trusted proxy appended the address it saw, and the first address that is
not one of ours is the client. Rate limits key on this address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/24"`` -> networks. Raises ``ValueError`` on anything else."""
    networks = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if part:
            networks.append(ipaddress.ip_network(part, strict=False))
    return tuple(networks)


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str:
    """The client's address for ``peer`` (the TCP peer) and the ``X-Forwarded-For`` header values."""
    peer = peer or "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer
