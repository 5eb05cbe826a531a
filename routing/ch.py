"""Contraction hierarchies and PHAST: exact one-to-all travel times in one linear sweep.

Preprocessing (:func:`build_contraction`) contracts the nodes of a directed CSR graph one
by one, cheapest first, adding a shortcut ``u -> w`` for a contracted ``v`` only where no
*witness* path ``u -> w`` avoiding ``v`` is found that is as short as ``u -> v -> w``.
The witness searches are bounded (settled nodes); a witness they miss only adds a
redundant shortcut, so every distance stays exact. Nodes are ordered by a lazily updated
priority: edge difference (shortcuts added minus arcs removed), plus the number of
contracted neighbours and the node's depth in the hierarchy, which keeps the upward
search spaces small and the hierarchy balanced. After a contraction the neighbours'
priorities only get the cheap "one more contracted neighbour" update; the full priority
is recomputed when a node reaches the top of the queue and it is put back if it is no
longer the cheapest (on a 25,600-node grid this was 3x faster to build than recomputing
every neighbour, for 10% more shortcuts and the same query times).

A query (PHAST, Delling et al. 2011, *PHAST: Hardware-accelerated shortest path trees*)
runs a Dijkstra from the source over *upward* arcs only (to higher-ranked nodes: a few
hundred to a few thousand nodes), then one sweep over all nodes from the top of the
hierarchy down, relaxing each node's incoming *downward* arcs. Nodes are renumbered in
that sweep order (by level, deepest first, then by original id for memory locality), so
the sweep reads the arrays front to back. Several sources are one sweep each: carrying
``k`` sources through one sweep as a ``k``-wide row per node was slower per source on the
409,600-node benchmark grid (8 sources: 13-18 ms each against 9 ms: the wide rows no longer
fit in the cache), so that variant was removed.

Weights are those of the network (metres for walk/bike, seconds for drive): the mode's
speed is a per-query scale, so one hierarchy serves every speed. Everything here is
numpy in, numpy out; no web or database imports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

#: Settled-node limits of the witness searches: while estimating a node's priority, and
#: while contracting it. Larger limits find more witnesses (fewer redundant shortcuts)
#: at a higher preprocessing cost; the result is exact either way.
SIMULATE_SETTLED = 30
CONTRACT_SETTLED = 100
#: Capacity of a witness search's heap; a search that would overflow it stops pushing,
#: which can only miss witnesses (exact either way).
_WITNESS_HEAP = 1 << 16

# indexes into the counters array shared by the compiled contraction steps
_C_HEAP, _C_DONE, _C_UP, _C_DOWN, _C_SEARCH, _C_SHORTCUTS = range(6)


@dataclass(frozen=True)
class ContractionHierarchy:
    """A contracted graph, renumbered in sweep order (higher in the hierarchy = earlier).

    ``position[v]`` is node ``v``'s place in the sweep. ``up_*`` is a CSR by source
    position of the arcs to higher-ranked nodes (every target position is smaller than
    its source's); ``down_*`` is a CSR by *target* position of the arcs from
    higher-ranked nodes (every source position smaller than its target's).
    """

    position: np.ndarray  # int32 (n,)
    up_indptr: np.ndarray  # int64 (n + 1,)
    up_indices: np.ndarray  # int32
    up_weights: np.ndarray  # float64, or float32 for road networks (the input's dtype)
    down_indptr: np.ndarray  # int64 (n + 1,)
    down_indices: np.ndarray  # int32
    down_weights: np.ndarray  # float64 or float32
    shortcuts: int = 0

    ARRAYS = ("position", "up_indptr", "up_indices", "up_weights", "down_indptr", "down_indices", "down_weights")

    @property
    def n_nodes(self) -> int:
        return len(self.position)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    def check(self) -> str | None:
        """Why these arrays cannot be a hierarchy (lengths, ranges, arc directions), or None."""
        n = len(self.position)
        if n == 0:
            return None if len(self.up_indptr) == len(self.down_indptr) == 1 else "empty hierarchy with arcs"
        if len(self.up_indptr) != n + 1 or len(self.down_indptr) != n + 1:
            return "indptr length"
        for indptr, indices, weights in ((self.up_indptr, self.up_indices, self.up_weights),
                                         (self.down_indptr, self.down_indices, self.down_weights)):
            if indptr[0] != 0 or indptr[-1] != len(indices) or len(indices) != len(weights) or np.any(np.diff(indptr) < 0):
                return "CSR layout"
            if len(weights) and not (np.all(np.isfinite(weights)) and weights.min() >= 0):
                return "weights"
        if self.position.min() < 0 or self.position.max() >= n or np.any(np.bincount(self.position, minlength=n) != 1):
            return "position is not a permutation"
        up_rows = np.repeat(np.arange(n), np.diff(self.up_indptr))
        down_rows = np.repeat(np.arange(n), np.diff(self.down_indptr))
        if np.any(self.up_indices >= up_rows) or np.any(self.up_indices < 0):
            return "an upward arc does not go up"
        if np.any(self.down_indices >= down_rows) or np.any(self.down_indices < 0):
            return "a downward arc does not come from above"
        return None

    # ---- queries ------------------------------------------------------------------------

    def one_to_all(self, source: int, *, scale: float = 1.0, targets: np.ndarray | None = None) -> np.ndarray:
        """Distances (times ``scale``) from node ``source`` to every node (in node order) or to ``targets``."""
        dist = self.sweep(np.array([source]), np.zeros(1))
        columns = self.position if targets is None else self.position[np.asarray(targets, dtype=np.int64).ravel()]
        return _gather(dist, columns, scale)

    def sweep(self, seeds: np.ndarray, seed_dist: np.ndarray, *, reverse: bool = False) -> np.ndarray:
        """Distances from the seed nodes (each starting at its ``seed_dist``) to every node, in
        *sweep* order (index with :attr:`position`); ``reverse``: to the seeds from every node.

        The reverse graph's hierarchy is this one with the arcs turned round: its upward
        arcs are our downward ones read by target, and the other way round.
        """
        dist = np.full(self.n_nodes, np.inf)
        seeds = self.position[np.asarray(seeds, dtype=np.int64)].astype(np.int32)
        seed_dist = np.asarray(seed_dist, dtype=np.float64)
        if reverse:
            _phast_one(seeds, seed_dist, self.down_indptr, self.down_indices, self.down_weights, self.up_indptr,
                       self.up_indices, self.up_weights, dist)
        else:
            _phast_one(seeds, seed_dist, self.up_indptr, self.up_indices, self.up_weights, self.down_indptr,
                       self.down_indices, self.down_weights, dist)
        return dist

    def many_to_all(self, sources: np.ndarray, *, scale: float = 1.0, targets: np.ndarray | None = None) -> np.ndarray:
        """Distances from each source (rows) to every node or to ``targets`` (columns), one sweep per source."""
        sources = np.asarray(sources, dtype=np.int64).ravel()
        out = np.empty((len(sources), self.n_nodes if targets is None else len(np.ravel(targets))))
        for row, source in enumerate(sources):
            out[row] = self.one_to_all(int(source), scale=scale, targets=targets)
        return out


# ---- queries (compiled) ---------------------------------------------------------------------


@njit(cache=True, inline="always")
def _heap_push(keys, nodes, size, key, node):
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@njit(cache=True, inline="always")
def _heap_pop(keys, nodes, size):
    """Remove the minimum (returned by the caller from ``keys[0]``, ``nodes[0]`` first)."""
    size -= 1
    key = keys[size]
    node = nodes[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        nodes[i] = nodes[child]
        i = child
    if size > 0:
        keys[i] = key
        nodes[i] = node
    return size


@njit(cache=True)
def _upward(seeds, seed_dist, up_indptr, up_indices, up_weights, dist):
    """Dijkstra over upward arcs only from the seed positions (at their seed distances);
    ``dist`` (inf outside the search) gets exact upward distances."""
    capacity = len(up_indices) + len(seeds) + 1
    keys = np.empty(capacity)
    nodes = np.empty(capacity, dtype=np.int32)
    size = 0
    for i in range(len(seeds)):
        if seed_dist[i] < dist[seeds[i]]:
            dist[seeds[i]] = seed_dist[i]
            size = _heap_push(keys, nodes, size, seed_dist[i], seeds[i])
    while size > 0:
        key = keys[0]
        node = nodes[0]
        size = _heap_pop(keys, nodes, size)
        if key > dist[node]:
            continue
        for k in range(up_indptr[node], up_indptr[node + 1]):
            target = up_indices[k]
            candidate = key + up_weights[k]
            if candidate < dist[target]:
                dist[target] = candidate
                size = _heap_push(keys, nodes, size, candidate, target)


@njit(cache=True)
def _phast_one(seeds, seed_dist, up_indptr, up_indices, up_weights, down_indptr, down_indices, down_weights, dist):
    _upward(seeds, seed_dist, up_indptr, up_indices, up_weights, dist)
    for p in range(len(dist)):
        best = dist[p]
        for k in range(down_indptr[p], down_indptr[p + 1]):
            candidate = dist[down_indices[k]] + down_weights[k]
            if candidate < best:
                best = candidate
        dist[p] = best


@njit(cache=True)
def _gather(dist, columns, scale):
    out = np.empty(len(columns))
    for t in range(len(columns)):
        out[t] = dist[columns[t]] * scale
    return out


@njit(cache=True)
def bounded_dijkstra(indptr, indices, weights, source, limit, settle_budget, dist):
    """Plain Dijkstra on a CSR graph up to distance ``limit``, giving up after ``settle_budget`` nodes.

    ``dist`` must be all inf. Returns True when finished (every node within ``limit``
    has its exact distance, the rest stay inf); False when the budget ran out first
    (``dist`` is then partial and must not be used).
    """
    seeds = np.empty(1, np.int64)
    seeds[0] = source
    return bounded_dijkstra_seeds(indptr, indices, weights, seeds, np.zeros(1), limit, settle_budget, dist)


@njit(cache=True)
def bounded_dijkstra_seeds(indptr, indices, weights, seeds, seed_dist, limit, settle_budget, dist):
    """:func:`bounded_dijkstra` from several seed nodes, each starting at its ``seed_dist``."""
    capacity = len(indices) + len(seeds) + 1
    keys = np.empty(min(capacity, 4 * settle_budget + 64 + len(seeds)))
    nodes = np.empty(len(keys), dtype=np.int32)
    size = 0
    for i in range(len(seeds)):
        if seed_dist[i] <= limit and seed_dist[i] < dist[seeds[i]]:
            dist[seeds[i]] = seed_dist[i]
            size = _heap_push(keys, nodes, size, seed_dist[i], seeds[i])
    settled = 0
    while size > 0:
        key = keys[0]
        node = nodes[0]
        size = _heap_pop(keys, nodes, size)
        if key > dist[node]:
            continue
        settled += 1
        if settled > settle_budget:
            return False
        for k in range(indptr[node], indptr[node + 1]):
            target = indices[k]
            candidate = key + weights[k]
            if candidate <= limit and candidate < dist[target]:
                dist[target] = candidate
                if size == len(keys):
                    return False  # more frontier than planned for: let the caller use the sweep
                size = _heap_push(keys, nodes, size, candidate, target)
    return True


# ---- preprocessing (compiled) ----------------------------------------------------------------


@njit(cache=True)
def _find(start, length, adjacency, target):
    for i in range(start, start + length):
        if adjacency[i] == target:
            return i
    return -1


@njit(cache=True)
def _reserve(node, extra, start, length, capacity, adjacency, weights, top):
    """Make room for ``extra`` more arcs in ``node``'s list; returns the new pool top, or -1 if the pool is full."""
    needed = length[node] + extra
    if needed <= capacity[node]:
        return top
    new_capacity = max(4, 2 * needed)
    if top + new_capacity > len(adjacency):
        return -1
    old = start[node]
    for i in range(length[node]):
        adjacency[top + i] = adjacency[old + i]
        weights[top + i] = weights[old + i]
    start[node] = top
    capacity[node] = new_capacity
    return top + new_capacity


@njit(cache=True)
def _remove(node, target, start, length, adjacency, weights):
    i = _find(start[node], length[node], adjacency, target)
    if i >= 0:
        last = start[node] + length[node] - 1
        adjacency[i] = adjacency[last]
        weights[i] = weights[last]
        length[node] -= 1


@njit(cache=True)
def _witness_search(source, excluded, bound, settle_limit, out_start, out_len, out_adj, out_w,
                    dist, stamp, settled, search, heap_keys, heap_nodes, wanted, n_wanted):
    """Bounded Dijkstra from ``source`` avoiding ``excluded``; distances valid where ``stamp == search``.

    Stops once the ``n_wanted`` nodes with ``wanted == search`` are settled. Tentative
    distances are lengths of real paths, so they may be used as witnesses too.
    """
    dist[source] = 0.0
    stamp[source] = search
    size = _heap_push(heap_keys, heap_nodes, 0, 0.0, source)
    count = 0
    while size > 0:
        key = heap_keys[0]
        node = heap_nodes[0]
        size = _heap_pop(heap_keys, heap_nodes, size)
        if settled[node] == search or key > dist[node]:
            continue
        settled[node] = search
        count += 1
        if key > bound or count > settle_limit:
            break
        if wanted[node] == search:
            n_wanted -= 1
            if n_wanted == 0:
                break
        for k in range(out_start[node], out_start[node] + out_len[node]):
            target = out_adj[k]
            if target == excluded:
                continue
            candidate = key + out_w[k]
            if stamp[target] != search or candidate < dist[target]:
                dist[target] = candidate
                stamp[target] = search
                if size < len(heap_keys):
                    size = _heap_push(heap_keys, heap_nodes, size, candidate, target)


@njit(cache=True)
def _shortcuts_needed(v, settle_limit, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
                      dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, add,
                      out_cap, in_cap, tops):
    """Count (and with ``add``, insert) the shortcuts contracting ``v`` needs.

    Returns -1 when ``add`` is set and the arc pools are too small (nothing was changed).
    """
    max_out = 0.0
    for k in range(out_start[v], out_start[v] + out_len[v]):
        if out_w[k] > max_out:
            max_out = out_w[k]
    if add:
        # reserve room first so that the insertions below cannot fail half-way
        need_out = 0
        need_in = 0
        for a in range(in_start[v], in_start[v] + in_len[v]):
            u = in_adj[a]
            if out_len[u] + out_len[v] > out_cap[u]:
                need_out += max(4, 2 * (out_len[u] + out_len[v]))
        for b in range(out_start[v], out_start[v] + out_len[v]):
            w = out_adj[b]
            if in_len[w] + in_len[v] > in_cap[w]:
                need_in += max(4, 2 * (in_len[w] + in_len[v]))
        if tops[0] + need_out > len(out_adj) or tops[1] + need_in > len(in_adj):
            return -1
        for a in range(in_start[v], in_start[v] + in_len[v]):
            tops[0] = _reserve(in_adj[a], out_len[v], out_start, out_len, out_cap, out_adj, out_w, tops[0])
        for b in range(out_start[v], out_start[v] + out_len[v]):
            tops[1] = _reserve(out_adj[b], in_len[v], in_start, in_len, in_cap, in_adj, in_w, tops[1])
    shortcuts = 0
    for a in range(in_start[v], in_start[v] + in_len[v]):
        u = in_adj[a]
        to_v = in_w[a]
        counters[_C_SEARCH] += 1
        search = counters[_C_SEARCH]
        n_wanted = 0
        for b in range(out_start[v], out_start[v] + out_len[v]):
            w = out_adj[b]
            if w != u:
                wanted[w] = search
                n_wanted += 1
        if n_wanted == 0:
            continue
        _witness_search(u, v, to_v + max_out, settle_limit, out_start, out_len, out_adj, out_w,
                        dist, stamp, settled, search, heap_keys, heap_nodes, wanted, n_wanted)
        for b in range(out_start[v], out_start[v] + out_len[v]):
            w = out_adj[b]
            if w == u:
                continue
            via = to_v + out_w[b]
            if stamp[w] == search and dist[w] <= via:
                continue
            shortcuts += 1
            if add:
                # u's own arcs were all relaxed first: an arc u -> w exists only if w was reached
                i = _find(out_start[u], out_len[u], out_adj, w) if stamp[w] == search else -1
                if i >= 0:
                    if out_w[i] > via:
                        out_w[i] = via
                        j = _find(in_start[w], in_len[w], in_adj, u)
                        in_w[j] = via
                else:
                    out_adj[out_start[u] + out_len[u]] = w
                    out_w[out_start[u] + out_len[u]] = via
                    out_len[u] += 1
                    in_adj[in_start[w] + in_len[w]] = u
                    in_w[in_start[w] + in_len[w]] = via
                    in_len[w] += 1
                    counters[_C_SHORTCUTS] += 1
    return shortcuts


@njit(cache=True)
def _priority(v, settle_limit, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
              dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, out_cap, in_cap, tops, deleted, depth):
    added = _shortcuts_needed(v, settle_limit, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
                              dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, False, out_cap, in_cap, tops)
    removed = in_len[v] + out_len[v]
    return float(added - removed) + deleted[v] + depth[v]


@njit(cache=True)
def _pq_sift_up(keys, nodes, where, i):
    key = keys[i]
    node = nodes[i]
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        where[nodes[i]] = i
        i = parent
    keys[i] = key
    nodes[i] = node
    where[node] = i


@njit(cache=True)
def _pq_sift_down(keys, nodes, where, i, size):
    key = keys[i]
    node = nodes[i]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        nodes[i] = nodes[child]
        where[nodes[i]] = i
        i = child
    keys[i] = key
    nodes[i] = node
    where[node] = i


@njit(cache=True)
def _pq_update(keys, nodes, where, size, node, key):
    i = where[node]
    if i < 0:
        return
    old = keys[i]
    keys[i] = key
    if key < old:
        _pq_sift_up(keys, nodes, where, i)
    else:
        _pq_sift_down(keys, nodes, where, i, size)


@njit(cache=True)
def _initialise(n, indptr, indices, weights, out_start, out_len, out_cap, out_adj, out_w,
                in_start, in_len, in_cap, in_adj, in_w, tops):
    """Copy the CSR graph into the growable arc lists: no self-loops, the shortest of parallel arcs."""
    in_degree = np.zeros(n, dtype=np.int64)
    for k in range(len(indices)):
        in_degree[indices[k]] += 1
    top = 0
    for v in range(n):
        out_start[v] = top
        out_cap[v] = indptr[v + 1] - indptr[v] + 2
        top += out_cap[v]
    tops[0] = top
    top = 0
    for v in range(n):
        in_start[v] = top
        in_cap[v] = in_degree[v] + 2
        top += in_cap[v]
    tops[1] = top
    for u in range(n):
        for k in range(indptr[u], indptr[u + 1]):
            w = indices[k]
            if w == u:
                continue
            weight = weights[k]
            i = _find(out_start[u], out_len[u], out_adj, w)
            if i >= 0:
                if weight < out_w[i]:
                    out_w[i] = weight
                    in_w[_find(in_start[w], in_len[w], in_adj, u)] = weight
                continue
            out_adj[out_start[u] + out_len[u]] = w
            out_w[out_start[u] + out_len[u]] = weight
            out_len[u] += 1
            in_adj[in_start[w] + in_len[w]] = u
            in_w[in_start[w] + in_len[w]] = weight
            in_len[w] += 1


@njit(cache=True)
def _initial_priorities(n, settle_limit, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
                        dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, out_cap, in_cap, tops, deleted, depth,
                        pq_keys, pq_nodes, pq_where):
    for v in range(n):
        pq_keys[v] = _priority(v, settle_limit, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
                               dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, out_cap, in_cap, tops,
                               deleted, depth)
        pq_nodes[v] = v
    for v in range(n):
        pq_where[v] = v
    for i in range(n // 2 - 1, -1, -1):
        _pq_sift_down(pq_keys, pq_nodes, pq_where, i, n)
    counters[_C_HEAP] = n


@njit(cache=True)
def _contract_some(steps, simulate_limit, contract_limit, out_start, out_len, out_cap, out_adj, out_w,
                   in_start, in_len, in_cap, in_adj, in_w, tops, dist, stamp, settled, wanted, counters,
                   heap_keys, heap_nodes, deleted, depth, pq_keys, pq_nodes, pq_where, order, mark,
                   up_source, up_target, up_weight, down_source, down_target, down_weight):
    """Contract up to ``steps`` nodes. Returns how many, or -1 if the hierarchy's arc buffers are
    full, -2 if the working arc pools are (grow them and call again: nothing is half-done)."""
    done = 0
    while done < steps and counters[_C_HEAP] > 0:
        v = pq_nodes[0]
        # lazy update: the top's priority may be stale
        fresh = _priority(v, simulate_limit, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
                          dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, out_cap, in_cap, tops, deleted,
                          depth)
        size = counters[_C_HEAP]
        if fresh > pq_keys[0] + 1e-9 and size > 1:
            _pq_update(pq_keys, pq_nodes, pq_where, size, v, fresh)
            if pq_nodes[0] != v:
                continue
        # record v's remaining arcs: they are the hierarchy's arcs at v
        n_up = counters[_C_UP]
        n_down = counters[_C_DOWN]
        if n_up + out_len[v] > len(up_source) or n_down + in_len[v] > len(down_source):
            return -1
        if _shortcuts_needed(v, contract_limit, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
                             dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, True, out_cap, in_cap, tops) < 0:
            return -2
        for k in range(out_start[v], out_start[v] + out_len[v]):
            up_source[n_up] = v
            up_target[n_up] = out_adj[k]
            up_weight[n_up] = out_w[k]
            n_up += 1
        for k in range(in_start[v], in_start[v] + in_len[v]):
            down_source[n_down] = in_adj[k]
            down_target[n_down] = v
            down_weight[n_down] = in_w[k]
            n_down += 1
        counters[_C_UP] = n_up
        counters[_C_DOWN] = n_down
        # take v out of the heap and out of its neighbours' lists
        size -= 1
        last = pq_nodes[size]
        pq_where[v] = -1
        if size > 0:
            pq_keys[0] = pq_keys[size]
            pq_nodes[0] = last
            pq_where[last] = 0
            _pq_sift_down(pq_keys, pq_nodes, pq_where, 0, size)
        counters[_C_HEAP] = size
        order[counters[_C_DONE]] = v
        counters[_C_DONE] += 1
        done += 1
        counters[_C_SEARCH] += 1
        touch = counters[_C_SEARCH]
        for k in range(in_start[v], in_start[v] + in_len[v]):
            u = in_adj[k]
            _remove(u, v, out_start, out_len, out_adj, out_w)
        for k in range(out_start[v], out_start[v] + out_len[v]):
            w = out_adj[k]
            _remove(w, v, in_start, in_len, in_adj, in_w)
        # neighbours: one more contracted neighbour, deeper, and a fresh priority
        # neighbours: one more contracted neighbour (their priority goes up by one), deeper;
        # the other terms are refreshed lazily when a node reaches the top of the queue
        for side in range(2):
            start = in_start[v] if side == 0 else out_start[v]
            length = in_len[v] if side == 0 else out_len[v]
            adjacency = in_adj if side == 0 else out_adj
            for k in range(start, start + length):
                x = adjacency[k]
                if mark[x] == touch:
                    continue
                mark[x] = touch
                deleted[x] += 1
                depth[x] = max(depth[x], depth[v] + 1)
                _pq_update(pq_keys, pq_nodes, pq_where, counters[_C_HEAP], x, pq_keys[pq_where[x]] + 1.0)
        in_len[v] = 0
        out_len[v] = 0
    return done


@njit(cache=True)
def _repack(start, length, capacity, adjacency, weights, new_adjacency, new_weights):
    """Copy every node's list into fresh pools (with slack); returns the new top."""
    top = 0
    for v in range(len(start)):
        new_capacity = length[v] + 2
        for i in range(length[v]):
            new_adjacency[top + i] = adjacency[start[v] + i]
            new_weights[top + i] = weights[start[v] + i]
        start[v] = top
        capacity[v] = new_capacity
        top += new_capacity
    return top


# ---- preprocessing (driver) ---------------------------------------------------------------------


def build_contraction(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray, *, progress: bool = False,
                      description: str = "contracting", simulate_settled: int = SIMULATE_SETTLED,
                      contract_settled: int = CONTRACT_SETTLED) -> ContractionHierarchy:
    """Contract the directed CSR graph (``indptr``, ``indices``, ``weights`` >= 0).

    ``progress`` shows a progress bar (tqdm) over the contracted nodes.
    """
    from tqdm import tqdm

    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int32)
    # float32 in (road networks: about 7 significant digits, centimetres over 100 km) gives
    # float32 out; the contraction itself sums in float64
    out_dtype = np.float32 if np.asarray(weights).dtype == np.float32 else np.float64
    weights = np.asarray(weights, dtype=np.float64)
    n = len(indptr) - 1
    if len(weights) and (not np.all(np.isfinite(weights)) or weights.min() < 0):
        msg = "contraction needs finite, non-negative weights"
        raise ValueError(msg)
    m = len(indices)
    pool = 2 * m + 4 * n + 16
    out_start, in_start = np.zeros(n, np.int64), np.zeros(n, np.int64)
    out_len, in_len = np.zeros(n, np.int64), np.zeros(n, np.int64)
    out_cap, in_cap = np.zeros(n, np.int64), np.zeros(n, np.int64)
    out_adj, in_adj = np.empty(pool, np.int32), np.empty(pool, np.int32)
    out_w, in_w = np.empty(pool), np.empty(pool)
    tops = np.zeros(2, np.int64)
    _initialise(n, indptr, indices, weights, out_start, out_len, out_cap, out_adj, out_w,
                in_start, in_len, in_cap, in_adj, in_w, tops)
    dist = np.full(n, np.inf)
    stamp = np.zeros(n, np.int64)
    settled = np.zeros(n, np.int64)
    wanted = np.zeros(n, np.int64)
    mark = np.zeros(n, np.int64)
    counters = np.zeros(6, np.int64)
    heap_keys, heap_nodes = np.empty(_WITNESS_HEAP), np.empty(_WITNESS_HEAP, np.int32)
    deleted, depth = np.zeros(n, np.int64), np.zeros(n, np.int64)
    pq_keys, pq_nodes, pq_where = np.empty(n), np.empty(n, np.int32), np.empty(n, np.int64)
    order = np.empty(n, np.int64)
    capacity = m + n + 16
    up = [np.empty(capacity, np.int32), np.empty(capacity, np.int32), np.empty(capacity)]
    down = [np.empty(capacity, np.int32), np.empty(capacity, np.int32), np.empty(capacity)]
    _initial_priorities(n, simulate_settled, out_start, out_len, out_adj, out_w, in_start, in_len, in_adj, in_w,
                        dist, stamp, settled, wanted, counters, heap_keys, heap_nodes, out_cap, in_cap, tops, deleted, depth,
                        pq_keys, pq_nodes, pq_where)
    bar = tqdm(total=n, desc=description, disable=not progress, unit="node", mininterval=0.5)
    steps = max(1000, n // 200)
    while counters[_C_HEAP] > 0:
        done = _contract_some(steps, simulate_settled, contract_settled, out_start, out_len, out_cap, out_adj, out_w,
                              in_start, in_len, in_cap, in_adj, in_w, tops, dist, stamp, settled, wanted, counters,
                              heap_keys, heap_nodes, deleted, depth, pq_keys, pq_nodes, pq_where, order, mark,
                              up[0], up[1], up[2], down[0], down[1], down[2])
        if done == -1:  # the hierarchy's arcs outgrew their buffers: double them, carry on
            up = [np.concatenate([a, np.empty_like(a)]) for a in up]
            down = [np.concatenate([a, np.empty_like(a)]) for a in down]
            continue
        if done == -2:  # the working arc lists outgrew their pools: repack into larger ones
            out_adj, out_w = _grown(out_start, out_len, out_cap, out_adj, out_w, 2 * len(out_adj), tops, 0)
            in_adj, in_w = _grown(in_start, in_len, in_cap, in_adj, in_w, 2 * len(in_adj), tops, 1)
            continue
        bar.update(done)
    bar.close()
    return _assemble(n, depth, up, down, int(counters[_C_UP]), int(counters[_C_DOWN]), int(counters[_C_SHORTCUTS]),
                     out_dtype)


def _grown(start, length, capacity, adjacency, weights, size, tops, which):
    new_adjacency, new_weights = np.empty(size, np.int32), np.empty(size)
    tops[which] = _repack(start, length, capacity, adjacency, weights, new_adjacency, new_weights)
    return new_adjacency, new_weights


def _csr(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, n: int, dtype=np.float64):
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols[order].astype(np.int32), weights[order].astype(dtype)


def _assemble(n, depth, up, down, n_up, n_down, shortcuts, dtype=np.float64) -> ContractionHierarchy:
    # Sweep order: deepest level first. Every arc joins a node to a strictly deeper one
    # (a node's depth exceeds that of each neighbour contracted before it), so any order
    # within a level is valid; node order within a level keeps neighbours (in the source
    # data: nearby ids) close in memory, which is what makes the sweep fast.
    sweep = np.lexsort((np.arange(n), -depth))
    position = np.empty(n, np.int32)
    position[sweep] = np.arange(n, dtype=np.int32)
    up_rows = position[up[0][:n_up]].astype(np.int64)
    up_cols = position[up[1][:n_up]]
    down_rows = position[down[1][:n_down]].astype(np.int64)  # by target
    down_cols = position[down[0][:n_down]]
    up_indptr, up_indices, up_weights = _csr(up_rows, up_cols, up[2][:n_up], n, dtype)
    down_indptr, down_indices, down_weights = _csr(down_rows, down_cols, down[2][:n_down], n, dtype)
    return ContractionHierarchy(position, up_indptr, up_indices, up_weights, down_indptr, down_indices, down_weights,
                                shortcuts=shortcuts)
