"""The tests are laid out by subject, and a test module never depends on another test module.

A folder is named for what its tests are about (mirroring the package: `emulator/server`, `sync/mailing`,
`tui/listview`), never for the round of work that added them (`..._speed`, `..._2`). Shared code lives in
`tests/helpers/` (plain modules, named by subject) or arrives as a `conftest.py` fixture; so every import of a
`tests` module, in any file under `tests/`, is an import of `tests.helpers...`. Imports are read from the
syntax tree (function-level and relative ones included), not matched as text.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.paths import REPO_ROOT

TESTS = REPO_ROOT / "tests"
SHARED_PACKAGE = "tests.helpers"
NOT_SUBJECTS = ("__pycache__", "__snapshots__")


def subject_folders(root: Path = TESTS) -> Iterator[Path]:
    """Every folder under `root` except caches and snapshot stores (named by the snapshot plugin)."""
    for path in sorted(root.rglob("*")):
        if path.is_dir() and not any(part in NOT_SUBJECTS for part in path.relative_to(root).parts):
            yield path


def misnamed_folders(root: Path = TESTS) -> list[str]:
    """Folders named for a speed or numbered like an increment, relative to `root`."""
    return [
        folder.relative_to(root).as_posix()
        for folder in subject_folders(root)
        if "speed" in folder.name.lower() or folder.name[-1].isdigit()
    ]


def module_name(path: Path, root: Path) -> str:
    """`tests/sync/engine/test_engine.py` → `tests.sync.engine.test_engine` (a package's `__init__` → it)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import statement in `path`, relative ones resolved."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if node.module is None:  # `from . import x`: each name is a module of that package
                yield from ((node.lineno, f"{module}.{alias.name}") for alias in node.names)
            else:
                yield node.lineno, module


def is_shared(module: str) -> bool:
    return module == SHARED_PACKAGE or module.startswith(SHARED_PACKAGE + ".")


def imports_of_other_test_modules(root: Path = TESTS) -> list[str]:
    """`file:line imports module` for every import of a `tests` module outside `tests.helpers`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "__snapshots__" in path.parts:
            continue
        for line, module in imported_modules(path, root):
            top = module.split(".")[0]
            if top == root.name and module != root.name and not is_shared(module):
                found.append(f"{path.relative_to(root.parent).as_posix()}:{line} imports {module}")
    return found


def test_no_test_folder_is_named_for_a_speed_or_a_number() -> None:
    misnamed = misnamed_folders()
    assert not misnamed, "name these folders for their subject: " + ", ".join(misnamed)


def test_tests_import_shared_code_only_from_helpers() -> None:
    found = imports_of_other_test_modules()
    assert not found, "move the shared code into tests/helpers/ (or a conftest fixture):\n" + "\n".join(found)


def test_the_checks_see_what_they_forbid(tmp_path: Path) -> None:
    """The walkers find a misnamed folder and each form of a forbidden import in a small tree of their own."""
    root = tmp_path / "tests"
    for folder in ("sync_speed", "mailing2", "emulator/world", "helpers", "emulator/__snapshots__/test_x2"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "emulator/world/test_a.py").write_text(
        "from tests.emulator.world.test_b import CASES\n"
        "from tests.helpers.paths import REPO_ROOT\n"
        "from .conftest import MAIN\n"
        "from . import test_b\n"
        "def later():\n"
        "    import tests.conftest\n"
    )
    (root / "helpers/paths.py").write_text("from tests.helpers import fake_vk\nimport pathlib\n")
    assert misnamed_folders(root) == ["mailing2", "sync_speed"]
    assert imports_of_other_test_modules(root) == [
        "tests/emulator/world/test_a.py:1 imports tests.emulator.world.test_b",
        "tests/emulator/world/test_a.py:3 imports tests.emulator.world.conftest",
        "tests/emulator/world/test_a.py:4 imports tests.emulator.world.test_b",
        "tests/emulator/world/test_a.py:6 imports tests.conftest",
    ]
