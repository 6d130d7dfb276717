"""Who imports whom, read from the source (every import statement, also those inside functions)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(source: str) -> set[str]:
    """Absolute module names a file imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def domain_of(module: str) -> str | None:
    """``shared.conversations.delivery`` → ``conversations``; top-level modules are their own domain."""
    parts = module.split(".")
    return parts[1] if parts[0] == "shared" and len(parts) > 1 else None


def domain_edges(root: Path = ROOT) -> dict[tuple[str, str], set[str]]:
    """(importing domain, imported domain) → the "module -> module" lines that make the edge."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted((root / "shared").rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        source_domain = domain_of(module)
        for target in imported_modules(path.read_text()):
            target_domain = domain_of(target)
            if target_domain and target_domain != source_domain:
                edges[(source_domain, target_domain)].add(f"{module} -> {target}")
    return edges


def two_way_pairs(edges: dict[tuple[str, str], set[str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for pair in edges if (pair[1], pair[0]) in edges}
