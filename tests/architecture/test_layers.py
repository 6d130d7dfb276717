"""No domain imports a domain that imports it back (issue 15): the layers only point down."""

from __future__ import annotations

from tests.architecture.imports import domain_edges, imported_modules, two_way_pairs

# Known and left (docs/architecture.md, "Known exceptions"): the infrastructure layers still lean on
# each other through modules another piece of work is rebuilding (embeddings fairness). A pair
# listed here that no longer imports both ways fails the test below, so the list only shrinks.
KNOWN_TWO_WAY = {
    frozenset({"infra", "ops"}),  # infra.embeddings -> ops.llm_metrics; ops.stats -> infra.postgres
    frozenset({"infra", "tenancy"}),  # infra.embeddings -> tenancy.fairness; tenancy.db -> infra.postgres
}


def _describe(edges, pair) -> str:
    a, b = sorted(pair)
    return "\n".join([f"{a} <-> {b}:", *sorted(edges[(a, b)]), *sorted(edges[(b, a)])])


def test_no_two_domains_import_each_other():
    edges = domain_edges()
    new = two_way_pairs(edges) - KNOWN_TWO_WAY
    assert not new, "\n\n".join(_describe(edges, pair) for pair in sorted(new, key=sorted))


def test_the_known_exceptions_are_still_real():
    gone = KNOWN_TWO_WAY - two_way_pairs(domain_edges())
    assert not gone, f"no longer two-way, remove from KNOWN_TWO_WAY: {sorted(map(sorted, gone))}"


def test_the_checker_sees_imports_inside_functions_too():
    # The channels -> conversations edge that used to close a cycle was a plain import; the
    # ops -> ai one was inside a function. Both kinds must count.
    source = "import shared.a.x\nfrom shared.b import y\ndef f():\n    from shared.c.z import w\n"
    assert {"shared.a.x", "shared.b", "shared.b.y", "shared.c.z", "shared.c.z.w"} <= imported_modules(source)
