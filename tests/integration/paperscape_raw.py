"""The Paperscape 1991–1996 CSV files read with plain Python, independently of the loaders:
the reference the collaboration and influence tests check the graph against."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

from graph.ids import normalize_name

FOLDER = "paperscape-arxiv-1991-1996"


@dataclass
class Raw:
    authors: dict[str, list[str]] = field(default_factory=dict)  # paper -> distinct author keys
    refs: dict[str, list[str]] = field(default_factory=dict)  # paper -> distinct cited ids
    cats: dict[str, set[str]] = field(default_factory=dict)
    year: dict[str, int] = field(default_factory=dict)
    cited_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    papers_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    neighbours: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def joint(self, a: str, b: str) -> set[str]:
        return self.papers_of[a] & self.papers_of[b]

    def bfs(
        self,
        a: str,
        b: str,
        years: tuple[int, int] | None = None,
        avoid: frozenset[str] = frozenset(),
    ) -> int | None:
        """Hops from a to b; with ``years`` only joint papers in that range link authors."""
        seen, queue = {a: 0}, deque([a])
        while queue:
            x = queue.popleft()
            if x == b:
                return seen[x]
            for p in self.papers_of[x]:
                if years and not years[0] <= self.year[p] <= years[1]:
                    continue
                for y in self.authors[p]:
                    if y not in seen and y not in avoid:
                        seen[y] = seen[x] + 1
                        queue.append(y)
        return None


def read_raw(folder: Path) -> Raw:
    raw = Raw()
    for path in sorted(folder.glob("pscp-*.csv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            f = line.split(";", 6)
            pid = "arxiv:" + f[0]
            yy = int(f[0].split("/")[1][:2])
            raw.year[pid] = 1900 + yy if yy >= 91 else 2000 + yy
            raw.cats[pid] = set(f[1].split(","))
            keys = list(dict.fromkeys(normalize_name(t) for t in f[5].split(",") if t.strip()))
            raw.authors[pid] = [k for k in keys if k]
            raw.refs[pid] = list(dict.fromkeys("arxiv:" + r for r in f[4].split(",") if r))
            for k in raw.authors[pid]:
                raw.papers_of[k].add(pid)
                raw.neighbours[k] |= set(raw.authors[pid]) - {k}
    for p, refs in raw.refs.items():
        for r in refs:
            raw.cited_by[r].add(p)
    return raw
