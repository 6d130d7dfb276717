"""No domain imports a domain that imports it back (issue 15): the layers only point down."""

from __future__ import annotations

from tests.architecture.imports import domain_edges, imported_modules, two_way_pairs


def _describe(edges, pair) -> str:
    a, b = sorted(pair)
    return "\n".join([f"{a} <-> {b}:", *sorted(edges[(a, b)]), *sorted(edges[(b, a)])])


def test_no_two_domains_import_each_other():
    edges = domain_edges()
    two_way = two_way_pairs(edges)
    assert not two_way, "\n\n".join(_describe(edges, pair) for pair in sorted(two_way, key=sorted))


def test_the_checker_sees_imports_inside_functions_too():
    # The channels -> conversations edge that used to close a cycle was a plain import; the
    # ops -> ai one was inside a function. Both kinds must count.
    source = "import shared.a.x\nfrom shared.b import y\ndef f():\n    from shared.c.z import w\n"
    assert {"shared.a.x", "shared.b", "shared.b.y", "shared.c.z", "shared.c.z.w"} <= imported_modules(source)
