"""The layers, enforced: which package may import which, read from the source with ``ast``.

From the top down (README "Developing"). A module may import its own package and anything in
a layer below its own, never one above, nor a sibling in its own layer:

    wiring       bot.app, bot.main, bot.__main__ (and bot's own __init__)
    edges        handlers | schedules | bot.ops
    transport    bot.transport
    slack        bot.slack
    service      bot.service
    storage      bot.storage
    settings     bot.settings
    domain       bot.domain

Imports under ``if TYPE_CHECKING:`` count too: a layer that needs another's types depends on it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS: list[set[str]] = [
    {"bot", "bot.app", "bot.main", "bot.__main__"},
    {"handlers", "schedules", "bot.ops"},
    {"bot.transport"},
    {"bot.slack"},
    {"bot.service"},
    {"bot.storage"},
    {"bot.settings"},
    {"bot.domain"},
]
SLACK = {"slack_bolt", "slack_sdk"}
SERVING = {"cheroot", "slack_bolt", "apscheduler"}
DATABASE = {"sqlite3", "sqlite_utils"}
# What each package may not import from outside Delight.
FORBIDDEN = {
    "bot.domain": SLACK | SERVING | DATABASE,
    "bot.settings": SLACK | SERVING | DATABASE,
    "bot.storage": SLACK | SERVING,
    "bot.service": SLACK | SERVING,
}
# Only the service reads and writes the store; listeners, jobs and the edges ask the service.
STORE_USERS_FORBIDDEN = {"handlers", "schedules", "bot.transport"}


def package_of(module: str) -> str:
    """The unit the layers are made of: a subpackage of bot, a top-level module of bot, or
    handlers / schedules as a whole."""
    parts = module.split(".")
    if parts[0] in ("handlers", "schedules"):
        return parts[0]
    return ".".join(parts[:2])


def layer_of(package: str) -> int:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    raise AssertionError(f"{package} is in no layer: add it to LAYERS and the README")


def source_modules() -> dict[str, Path]:
    modules = {}
    for top in ("bot", "handlers", "schedules"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Every module ``module`` imports, Delight's resolved to the module (not the name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from package import module`` imports the module; any other name, the package.
            for alias in node.names:
                name = f"{base}.{alias.name}"
                found.add(name if name in known else base)
    return {name for name in found if name and name != module}


def graph() -> dict[str, set[str]]:
    modules = source_modules()
    known = set(modules)
    return {module: imports_of(module, path, known) for module, path in modules.items()}


def is_ours(name: str) -> bool:
    return name.split(".")[0] in ("bot", "handlers", "schedules")


def violations() -> set[tuple[str, str, str]]:
    found = set()
    for module, imported in graph().items():
        package = package_of(module)
        level = layer_of(package)
        for name in imported:
            if not is_ours(name):
                if name.split(".")[0] in FORBIDDEN.get(package, set()):
                    found.add(("forbidden", module, name))
                continue
            other = package_of(name)
            if other == package or level == layer_of(other) == 0:
                continue
            if package in STORE_USERS_FORBIDDEN and other == "bot.storage":
                found.add(("store", module, name))
            if layer_of(other) <= level:
                found.add(("layer", module, name))
    return found


def test_the_layers_hold() -> None:
    found = sorted(violations())
    assert not found, "imports that break the layers:\n" + "\n".join(map(str, found))


def _is_private(part: str) -> bool:
    dunder = part.startswith("__") and part.endswith("__")  # __future__
    return part == "internals" or (part.startswith("_") and not dunder)


def test_no_library_internals_are_imported() -> None:
    """A library's private modules (``_name``, or ``internals`` as Bolt calls them) change in
    any release; Delight uses what the libraries publish."""
    found = sorted(
        (module, name)
        for module, imported in graph().items()
        for name in imported
        if not is_ours(name) and any(_is_private(part) for part in name.split("."))
    )
    assert not found, "imports of a library's internals:\n" + "\n".join(map(str, found))


def test_no_import_cycles_between_modules() -> None:
    """Cycles inside a package are refused too: each module is read before those using it."""
    imports = graph()
    edges = {m: {n for n in imported if n in imports} for m, imported in imports.items()}
    seen: dict[str, int] = {}
    cycles = []

    def visit(module: str, stack: list[str]) -> None:
        seen[module] = 1
        stack.append(module)
        for target in sorted(edges[module]):
            if seen.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in seen:
                visit(target, stack)
        stack.pop()
        seen[module] = 2

    for module in sorted(edges):
        if module not in seen:
            visit(module, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", sorted({package_of(m) for m in source_modules()}))
def test_every_package_says_what_it_may_import(package: str) -> None:
    path = ROOT.joinpath(*package.split("."))
    init = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    layer_of(package)
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), init


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    """The test itself is tested: an upward import and a forbidden library are caught."""
    path = tmp_path / "m.py"
    path.write_text("from bot.slack import blocks\nimport slack_sdk\nfrom . import sibling\n")
    known = {"bot.domain.sibling", "bot.slack.blocks"}
    found = imports_of("bot.domain.m", path, known)
    assert {"bot.slack.blocks", "slack_sdk", "bot.domain.sibling"} <= found
    assert layer_of(package_of("bot.slack.blocks")) < layer_of(package_of("bot.domain.m"))
