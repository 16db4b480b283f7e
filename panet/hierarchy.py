"""Subsumption closure over told edges: ancestors, direct parents and equivalence sets.

Pure functions over integer node ids, run once when an index is built (then cached).
Equivalent classes (told ``owl:equivalentClass`` pairs, and subclass cycles) share their
ancestors and descendants; "strict" relations never relate a class to its equivalents.

>>> anc, parents, eq = classify(4, [(1, 0), (2, 1), (3, 1)], [(2, 3)])
>>> anc[2], parents[2], eq[2]
((0, 1), (1,), (3,))
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["classify"]


def classify(
    n: int, subclass_of: Iterable[tuple[int, int]], equivalent_to: Iterable[tuple[int, int]] = ()
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]], list[tuple[int, ...]]]:
    """Return, per node, its strict ancestors, direct parents and equivalents (sorted tuples)."""
    group = _equivalence_groups(n, subclass_of := list(subclass_of), equivalent_to)
    members: dict[int, list[int]] = {}
    for node in range(n):
        members.setdefault(group[node], []).append(node)
    up: dict[int, set[int]] = {g: set() for g in members}
    for child, parent in subclass_of:
        if group[child] != group[parent]:
            up[group[child]].add(group[parent])

    ancestors: dict[int, set[int]] = {}
    for start in members:  # iterative post-order DFS; the group graph is acyclic
        if start in ancestors:
            continue
        stack = [(start, iter(up[start]))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in ancestors:
                    stack.append((parent, iter(up[parent])))
                    break
            else:
                stack.pop()
                found = set(up[node])
                for parent in up[node]:
                    found |= ancestors[parent]
                ancestors[node] = found

    anc_out: list[tuple[int, ...]] = [()] * n
    par_out: list[tuple[int, ...]] = [()] * n
    eq_out: list[tuple[int, ...]] = [()] * n
    for g, nodes in members.items():
        groups_above = ancestors[g]
        direct = groups_above.difference(*(ancestors[a] for a in groups_above)) if groups_above else set()
        anc = tuple(sorted(m for a in groups_above for m in members[a]))
        par = tuple(sorted(m for a in direct for m in members[a]))
        for node in nodes:
            anc_out[node] = anc
            par_out[node] = par
            eq_out[node] = tuple(m for m in nodes if m != node)
    return anc_out, par_out, eq_out


def _equivalence_groups(
    n: int, subclass_of: list[tuple[int, int]], equivalent_to: Iterable[tuple[int, int]]
) -> list[int]:
    """Group id per node: told equivalences united with subclass cycles (Tarjan's SCCs)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for a, b in equivalent_to:
        union(a, b)
    up: list[set[int]] = [set() for _ in range(n)]
    for child, par in subclass_of:
        up[find(child)].add(find(par))

    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    scc_stack: list[int] = []
    cycles: list[list[int]] = []
    counter = 0
    for root in {find(x) for x in range(n)}:
        if root in index:
            continue
        work = [(root, iter(up[root]))]
        index[root] = low[root] = counter
        counter += 1
        scc_stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    scc_stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(up[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = scc_stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    cycles.append(component)
    for component in cycles:
        for member in component:
            union(member, component[0])
    return [find(x) for x in range(n)]
