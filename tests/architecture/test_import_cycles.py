"""No run-time import cycle inside `vksync_tui`: a module that imports itself through others runs against a
half-initialised module whenever the other one happens to be imported first.

Every import statement counts (function-level ones too: they run when the function does), except those
under `if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import grimp


def run_time_cycles(package: str) -> list[str]:
    """Each cycle of `package` once, as `a -> b -> … -> a`."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    seen: set[frozenset[str]] = set()
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is None or frozenset(back) in seen:
                continue
            seen.add(frozenset(back))
            cycles.append(" -> ".join((importer, *back)))
    return cycles


def test_no_module_of_the_package_imports_itself_through_others() -> None:
    assert run_time_cycles("vksync_tui") == []
