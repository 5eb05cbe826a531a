"""Simplify a road graph to its intersections: chains of degree-2 nodes become one edge.

The input is the mode's OSM segments (undirected pieces ``u - v`` with one weight and
the directions the mode may use). A node is kept where the graph branches or ends
(not exactly two segment ends), where a self-loop starts, and where the two segments
through it differ in what a traveller may do: direction (a one-way street meeting a
two-way one) or snapping class (a motorway segment meeting a local road). Every other
node is contracted away: its two segments join into one *chain* with the summed
weight, the same directions, and its shape points kept (with the cumulative weight at
each one) for snapping to the nearest point on a road and for drawing. Times between
kept nodes are unchanged, and a point snapped mid-chain is placed at its exact share
of the chain's weight, so times to and from points on a road are unchanged too.

Pure numpy/numba, no web or database imports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

#: direction flags of a chain (bit field, stored as uint8)
FORWARD = 1  # u -> v allowed
BACKWARD = 2  # v -> u allowed
#: set on chains points may not snap to (motorways: no front doors on a motorway)
NO_SNAP = 4


@dataclass(frozen=True)
class Chains:
    """Chains between kept nodes, in original node numbering.

    Chain ``c`` runs from ``u[c]`` to ``v[c]`` through the original nodes
    ``vertices[vptr[c]:vptr[c + 1]]`` (both ends included), ``cumulative`` weight from
    ``u[c]`` at each of them; ``flags[c]`` holds :data:`FORWARD`, :data:`BACKWARD`, :data:`NO_SNAP`.
    """

    kept: np.ndarray  # bool (n,)
    u: np.ndarray  # int64 (chains,)
    v: np.ndarray  # int64 (chains,)
    flags: np.ndarray  # uint8 (chains,)
    vptr: np.ndarray  # int64 (chains + 1,)
    vertices: np.ndarray  # int64 (vertices,)
    cumulative: np.ndarray  # float64 (vertices,)

    @property
    def weight(self) -> np.ndarray:
        return self.cumulative[self.vptr[1:] - 1]


@njit(cache=True)
def _oriented(seg_u, seg_flags, segment, from_node):
    """Direction bits of ``segment`` read from ``from_node`` towards its other end."""
    flags = seg_flags[segment]
    if seg_u[segment] == from_node:
        return flags
    swapped = (flags & ~3) | ((flags & FORWARD) << 1) | ((flags & BACKWARD) >> 1)
    return swapped


@njit(cache=True)
def _chains(n, seg_u, seg_v, seg_w, seg_flags, keep_all):
    m = len(seg_u)
    degree = np.zeros(n, np.int64)
    kept = np.full(n, keep_all, np.bool_)
    for s in range(m):
        degree[seg_u[s]] += 1
        degree[seg_v[s]] += 1
        if seg_u[s] == seg_v[s]:
            kept[seg_u[s]] = True
    indptr = np.zeros(n + 1, np.int64)
    for v in range(n):
        indptr[v + 1] = indptr[v] + degree[v]
    fill = indptr[:-1].copy()
    incident = np.empty(indptr[n], np.int64)
    for s in range(m):
        incident[fill[seg_u[s]]] = s
        fill[seg_u[s]] += 1
        incident[fill[seg_v[s]]] = s
        fill[seg_v[s]] += 1
    for v in range(n):
        if degree[v] != 2 or kept[v]:
            kept[v] = True
            continue
        first, second = incident[indptr[v]], incident[indptr[v] + 1]
        # through v: first read towards v, second read away from v must allow the same
        a = seg_v[first] if seg_u[first] == v else seg_u[first]
        into = _oriented(seg_u, seg_flags, first, a)
        out = _oriented(seg_u, seg_flags, second, v)
        if into != out:
            kept[v] = True
    visited = np.zeros(m, np.bool_)
    chain_u = np.empty(m, np.int64)
    chain_v = np.empty(m, np.int64)
    chain_flags = np.empty(m, np.uint8)
    vptr = np.zeros(m + 1, np.int64)
    vertices = np.empty(2 * m, np.int64)
    cumulative = np.empty(2 * m)
    n_chains = 0
    n_vertices = 0
    for phase in range(2):
        # phase 0 starts at kept nodes; phase 1 handles pure cycles (no kept node on them)
        for s0 in range(m):
            if visited[s0]:
                continue
            if phase == 0:
                if kept[seg_u[s0]]:
                    start = seg_u[s0]
                elif kept[seg_v[s0]]:
                    start = seg_v[s0]
                else:
                    continue
            else:
                start = seg_u[s0]
                kept[start] = True
            chain_u[n_chains] = start
            chain_flags[n_chains] = _oriented(seg_u, seg_flags, s0, start)
            vertices[n_vertices] = start
            cumulative[n_vertices] = 0.0
            n_vertices += 1
            total = 0.0
            node = start
            segment = s0
            while True:
                visited[segment] = True
                node = seg_v[segment] if seg_u[segment] == node else seg_u[segment]
                total += seg_w[segment]
                vertices[n_vertices] = node
                cumulative[n_vertices] = total
                n_vertices += 1
                if kept[node]:
                    break
                other = incident[indptr[node]]
                segment = incident[indptr[node] + 1] if other == segment else other
            chain_v[n_chains] = node
            n_chains += 1
            vptr[n_chains] = n_vertices
    return (kept, chain_u[:n_chains], chain_v[:n_chains], chain_flags[:n_chains], vptr[:n_chains + 1],
            vertices[:n_vertices], cumulative[:n_vertices])


def simplify(n_nodes: int, seg_u: np.ndarray, seg_v: np.ndarray, seg_weight: np.ndarray,
             seg_flags: np.ndarray, *, keep_all: bool = False) -> Chains:
    """Contract the degree-2 nodes of an undirected segment list (see the module docstring).

    ``seg_flags`` combines :data:`FORWARD` (``u -> v`` allowed), :data:`BACKWARD` and
    :data:`NO_SNAP`; segments allowing neither direction must be left out beforehand.
    ``keep_all`` keeps every node (one chain per segment: the unsimplified graph, for tests).
    """
    kept, u, v, flags, vptr, vertices, cumulative = _chains(
        int(n_nodes), np.asarray(seg_u, np.int64), np.asarray(seg_v, np.int64), np.asarray(seg_weight, np.float64),
        np.asarray(seg_flags, np.uint8), bool(keep_all))
    return Chains(kept=kept, u=u, v=v, flags=flags, vptr=vptr, vertices=vertices, cumulative=cumulative)
