"""The best pairs: a maximum-weight matching among those of maximum cardinality.

Rules:
- Weights are non-negative integers (exact arithmetic: no float can tip a tie);
  ``None`` marks a pair that must never meet. Among the matchings that pair as
  many teams as possible, the one returned has the greatest total weight.
- The matching itself is networkx's ``max_weight_matching`` (Edmonds' blossom
  algorithm), run on a graph built in index order, so the same weights always
  give the same pairs.
- On many teams the blossom algorithm over every pair is slow (pure Python:
  about 5 s for 200 teams), so it runs on a pruned graph *with a proof that
  nothing was lost*: an upper bound ``L`` from the matching linear programme
  (degree constraints plus odd-set cuts, solved by HiGHS through scipy) gives
  each pair a slack ``s``, and every perfect matching ``M`` weighs at most
  ``L - sum(s over M)``. A good matching of weight ``V`` found first therefore
  rules out every pair with ``s > L - V``: no better matching can use it. The
  blossom algorithm runs on the pairs that remain (plus that good matching),
  and its answer is optimal over all pairs.
- The bound's soundness rests only on the dual values being feasible, which is
  checked over every pair here (and repaired by raising them if the solver
  was loose), never on the solver's tolerances. Anything unexpected (no
  perfect matching to start from, a solver failure) falls back to the
  blossom algorithm over every pair: slower, the same answer.
- An odd number of teams gets a stand-in partner (weight 0 with everyone), so
  the one team left unpaired is the one whose absence costs least.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Weight = int | None

DENSE_LIMIT = 48
"""Up to this many teams the blossom algorithm over every pair is quick (< 0.1 s)."""
SEED_NEIGHBOURS = 8
"""Each team's best pairs start the linear programme; violated pairs join as found."""
MAX_ROUNDS = 40
"""Rounds of adding pairs and cuts; the bound is sound whenever the rounds stop."""
MARGIN = 1e-9
"""Kept slack beyond L - V per team, in weights scaled to at most 1: covers float rounding
(a pair kept needlessly costs time, never correctness)."""
LARGEST = 2**50
"""Weights from here up take the blossom-only path: sums of them must stay exact in
64-bit integers and near-exact in floats."""


def best_matching(
    weights: Sequence[Sequence[Weight]], *, dense_limit: int = DENSE_LIMIT
) -> list[tuple[int, int]]:
    """Pairs (i < j), sorted; teams left unpaired appear in none."""
    count = len(weights)
    if count > dense_limit:
        pruned = _pruned_matching(weights)
        if pruned is not None:
            return pruned
    return _blossom(count, _all_edges(weights))


def total(weights: Sequence[Sequence[Weight]], pairs: Sequence[tuple[int, int]]) -> int:
    value = 0
    for i, j in pairs:
        weight = weights[i][j]
        assert weight is not None
        value += weight
    return value


def _all_edges(weights: Sequence[Sequence[Weight]]) -> list[tuple[int, int, int]]:
    count = len(weights)
    return [
        (i, j, weight)
        for i in range(count)
        for j in range(i + 1, count)
        if (weight := weights[i][j]) is not None
    ]


def _blossom(count: int, edges: Sequence[tuple[int, int, int]]) -> list[tuple[int, int]]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(count))
    graph.add_weighted_edges_from(sorted(edges))
    matched = nx.max_weight_matching(graph, maxcardinality=True)
    return sorted((min(a, b), max(a, b)) for a, b in matched)


# -- the pruned path ------------------------------------------------------------------


def _pruned_matching(weights: Sequence[Sequence[Weight]]) -> list[tuple[int, int]] | None:
    import numpy as np

    teams = len(weights)
    nodes = teams + teams % 2  # a stand-in partner for an odd team out
    forbidden = np.ones((nodes, nodes), dtype=bool)
    exact = np.zeros((nodes, nodes), dtype=np.int64)
    for i in range(teams):
        for j in range(teams):
            weight = weights[i][j] if i != j else None
            if weight is not None:
                forbidden[i, j] = False
                exact[i, j] = weight
    if nodes > teams:
        forbidden[teams, :teams] = forbidden[:teams, teams] = False
    upper_i, upper_j = np.triu_indices(nodes, 1)
    allowed = ~forbidden[upper_i, upper_j]
    edge_i, edge_j = upper_i[allowed], upper_j[allowed]
    edge_exact = exact[edge_i, edge_j]
    if int(edge_exact.max(initial=0)) >= LARGEST:
        return None
    scale = float(max(1, int(edge_exact.max(initial=0))))
    edge_w = edge_exact / scale

    start = _good_matching(nodes, edge_i, edge_j, edge_exact)
    if start is None:
        return None
    bound = _dual_bound(nodes, edge_i, edge_j, edge_w, start)
    if bound is None:
        return None
    limit, slack, solution = bound
    # The programme's answer is nearly a matching: rounded, it is usually the best one or
    # close, and the closer the start, the more pairs the bound rules out.
    rounded = _rounded(nodes, edge_i, edge_j, edge_exact, solution, slack)
    if rounded is not None and edge_exact[rounded].sum() > edge_exact[start].sum():
        start = rounded
    value = float(edge_w[start].sum())
    keep = np.nonzero(slack <= limit - value + MARGIN * max(1, nodes))[0]
    chosen = sorted({*map(int, keep), *start})
    pairs = _blossom(nodes, [(int(edge_i[e]), int(edge_j[e]), int(edge_exact[e])) for e in chosen])
    if 2 * len(pairs) != nodes:
        return None
    return [(i, j) for i, j in pairs if j < teams]


def _rounded(
    nodes: int,
    edge_i: npt.NDArray[np.int64],
    edge_j: npt.NDArray[np.int64],
    edge_exact: npt.NDArray[np.int64],
    solution: npt.NDArray[np.float64],
    slack: npt.NDArray[np.float64],
) -> list[int] | None:
    """The programme's whole pairs, and a best matching of the teams it splits: over
    all their pairs when they are few, else over the pairs the programme uses and each
    team's pairs of least slack (the likeliest to be in a best matching)."""
    import numpy as np

    whole = np.nonzero(solution > 1 - 1e-6)[0]
    covered = np.zeros(nodes, dtype=bool)
    covered[edge_i[whole]] = covered[edge_j[whole]] = True
    if 2 * len(whole) != int(covered.sum()):
        return None
    rest = np.nonzero(~covered)[0]
    inside = np.nonzero(~covered[edge_i] & ~covered[edge_j])[0]
    if len(rest) > DENSE_LIMIT:
        used = inside[solution[inside] > 1e-6]
        nearest = [
            mine[np.argsort(slack[mine], kind="stable")[:SEED_NEIGHBOURS]]
            for node in rest.tolist()
            if len(mine := inside[(edge_i[inside] == node) | (edge_j[inside] == node)])
        ]
        inside = np.unique(np.concatenate([used, *nearest]))
    position = {int(node): k for k, node in enumerate(rest)}
    pairs = _blossom(
        len(rest),
        [(position[int(edge_i[e])], position[int(edge_j[e])], int(edge_exact[e])) for e in inside],
    )
    if 2 * len(pairs) != len(rest):
        return None
    lookup = {(int(edge_i[e]), int(edge_j[e])): int(e) for e in inside}
    return sorted([*map(int, whole), *(lookup[(int(rest[a]), int(rest[b]))] for a, b in pairs)])


def _good_matching(
    nodes: int,
    edge_i: npt.NDArray[np.int64],
    edge_j: npt.NDArray[np.int64],
    edge_exact: npt.NDArray[np.int64],
) -> list[int] | None:
    """A perfect matching (as edge indices) by greedy best-pair-first then improving
    two-pair exchanges; None if greedy leaves a team unpaired."""
    import numpy as np

    order = np.lexsort((edge_j, edge_i, -edge_exact))
    used = np.zeros(nodes, dtype=bool)
    chosen: list[int] = []
    for index in order.tolist():
        a, b = int(edge_i[index]), int(edge_j[index])
        if not used[a] and not used[b]:
            used[a] = used[b] = True
            chosen.append(index)
    if 2 * len(chosen) != nodes:
        return None
    lookup = np.full((nodes, nodes), -1, dtype=np.int64)
    lookup[edge_i, edge_j] = lookup[edge_j, edge_i] = np.arange(len(edge_i))
    worth = np.full((nodes, nodes), -(2**50), dtype=np.int64)  # forbidden: never worth it
    worth[edge_i, edge_j] = worth[edge_j, edge_i] = edge_exact
    left = edge_i[chosen].copy()
    right = edge_j[chosen].copy()
    for _ in range(10 * nodes):
        base = worth[left, right]
        crossed = worth[left[:, None], left[None, :]] + worth[right[:, None], right[None, :]]
        swapped = worth[left[:, None], right[None, :]] + worth[right[:, None], left[None, :]]
        gain_crossed = crossed - base[:, None] - base[None, :]
        gain_swapped = swapped - base[:, None] - base[None, :]
        best_crossed = int(gain_crossed.max())
        best_swapped = int(gain_swapped.max())
        if max(best_crossed, best_swapped) <= 0:
            break
        if best_crossed >= best_swapped:
            p, q = np.unravel_index(int(gain_crossed.argmax()), gain_crossed.shape)
            left[p], right[p], left[q], right[q] = left[p], left[q], right[p], right[q]
        else:
            p, q = np.unravel_index(int(gain_swapped.argmax()), gain_swapped.shape)
            left[p], right[p], left[q], right[q] = left[p], right[q], right[p], left[q]
    pairs = np.stack([np.minimum(left, right), np.maximum(left, right)])
    return sorted(int(index) for index in lookup[pairs[0], pairs[1]])


def _dual_bound(
    nodes: int,
    edge_i: npt.NDArray[np.int64],
    edge_j: npt.NDArray[np.int64],
    edge_w: npt.NDArray[np.float64],
    start: list[int],
) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """(L, slack per edge, the programme's solution per edge): every perfect matching M
    weighs at most L - sum(slack[M])."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    edges = len(edge_i)
    ranked = np.full((nodes, nodes), -np.inf)
    ranked[edge_i, edge_j] = ranked[edge_j, edge_i] = edge_w
    near = np.argsort(-ranked, axis=1, kind="stable")[:, :SEED_NEIGHBOURS]
    lookup = np.full((nodes, nodes), -1, dtype=np.int64)
    lookup[edge_i, edge_j] = lookup[edge_j, edge_i] = np.arange(edges)
    seeds = lookup[np.repeat(np.arange(nodes), near.shape[1]), near.ravel()]
    active = np.unique(np.concatenate([seeds[seeds >= 0], np.asarray(start, dtype=np.int64)]))
    # Column generation: the programme starts with each team's best pairs (and the start
    # matching, so it is feasible); a pair whose dual constraint is violated joins it.
    # Cuts: an odd set of teams S holds at most (|S| - 1) / 2 pairs; the fractional
    # answers of the plain programme (odd cycles of halves) are cut off this way.
    cuts: list[npt.NDArray[np.bool_]] = []  # odd sets of nodes, as masks

    solved: tuple[Any, npt.NDArray[np.float64], list[npt.NDArray[np.bool_]]] | None = None
    for _ in range(MAX_ROUNDS):
        a_i, a_j = edge_i[active], edge_j[active]
        columns = np.arange(len(active))
        degree = coo_matrix(
            (np.ones(2 * len(active)), (np.concatenate([a_i, a_j]), np.tile(columns, 2))),
            shape=(nodes, len(active)),
        ).tocsr()
        inside = [np.nonzero(mask[a_i] & mask[a_j])[0] for mask in cuts]
        odd = (
            coo_matrix(
                (
                    np.ones(sum(len(rows) for rows in inside)),
                    (
                        np.concatenate([np.full(len(rows), k) for k, rows in enumerate(inside)]),
                        np.concatenate(inside),
                    ),
                ),
                shape=(len(cuts), len(active)),
            ).tocsr()
            if cuts
            else None
        )
        result = linprog(
            -edge_w[active],
            A_ub=odd,
            b_ub=np.array([(int(mask.sum()) - 1) // 2 for mask in cuts], dtype=float)
            if cuts
            else None,
            A_eq=degree,
            b_eq=np.ones(nodes),
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:
            return None
        solved = (result, active, list(cuts))
        dual_u = -np.asarray(result.eqlin.marginals, dtype=float)
        dual_z = (
            np.maximum(0.0, -np.asarray(result.ineqlin.marginals, dtype=float))
            if cuts
            else np.zeros(0)
        )
        slack = _slack(dual_u, dual_z, cuts, edge_i, edge_j, edge_w)
        violated = np.nonzero(slack < -1e-9)[0]
        violated = violated[~np.isin(violated, active)]
        if len(violated):
            worst = violated[np.argsort(slack[violated], kind="stable")[: 4 * nodes]]
            active = np.union1d(active, worst)
            continue
        fresh = _odd_sets(nodes, a_i, a_j, np.asarray(result.x, dtype=float), cuts)
        if not fresh:
            break
        cuts.extend(fresh)

    assert solved is not None
    result, active, cuts = solved
    dual_u = -np.asarray(result.eqlin.marginals, dtype=float)
    dual_z = (
        np.maximum(0.0, -np.asarray(result.ineqlin.marginals, dtype=float)) if cuts else np.zeros(0)
    )
    slack = _slack(dual_u, dual_z, cuts, edge_i, edge_j, edge_w)
    # Make the duals feasible for every pair: raising every u by d/2 raises L by nodes*d/2.
    lift = max(0.0, -float(slack.min(initial=0.0)))
    dual_u = dual_u + lift / 2
    slack = slack + lift
    limit = float(dual_u.sum()) + sum(
        float(z) * ((int(mask.sum()) - 1) // 2) for z, mask in zip(dual_z, cuts, strict=True)
    )
    solution = np.zeros(edges)
    solution[active] = np.asarray(result.x, dtype=float)
    return limit, slack, solution


def _slack(
    dual_u: npt.NDArray[np.float64],
    dual_z: npt.NDArray[np.float64],
    cuts: Sequence[npt.NDArray[np.bool_]],
    edge_i: npt.NDArray[np.int64],
    edge_j: npt.NDArray[np.int64],
    edge_w: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    slack = dual_u[edge_i] + dual_u[edge_j] - edge_w
    for z, mask in zip(dual_z, cuts, strict=True):
        if z > 0:
            slack = slack + z * (mask[edge_i] & mask[edge_j])
    return slack


def _odd_sets(
    nodes: int,
    a_i: npt.NDArray[np.int64],
    a_j: npt.NDArray[np.int64],
    x: npt.NDArray[np.float64],
    cuts: Sequence[npt.NDArray[np.bool_]],
) -> list[npt.NDArray[np.bool_]]:
    """Odd sets of nodes joined by fractional pairs whose cut the solution violates."""
    import numpy as np

    fractional = np.nonzero((x > 1e-6) & (x < 1 - 1e-6))[0]
    parent = list(range(nodes))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for edge in fractional.tolist():
        parent[root(int(a_i[edge]))] = root(int(a_j[edge]))
    groups: dict[int, list[int]] = {}
    for node in sorted({*a_i[fractional].tolist(), *a_j[fractional].tolist()}):
        groups.setdefault(root(node), []).append(node)
    fresh = []
    for group in groups.values():
        if len(group) % 2 == 0:
            continue
        mask = np.zeros(nodes, dtype=bool)
        mask[group] = True
        inside = float(x[mask[a_i] & mask[a_j]].sum())
        known = any(bool(np.array_equal(mask, cut)) for cut in cuts)
        if not known and inside > (len(group) - 1) / 2 + 1e-7:
            fresh.append(mask)
    return fresh
