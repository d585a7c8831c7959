"""Dependencies point one way (``/work/shared/STYLE.md``): no module imports a higher layer.

Every module under ``roadmap/`` is read with :mod:`ast`; every import counts, at the top of the
module or inside a function (a late import is still a dependency), and so does
``importlib.import_module("roadmap...")`` with a literal name. A lower module that must tell a
higher one something sends a signal (``roadmap/proposals/signals.py``) instead.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "roadmap"

# From the bottom up. A module may import its own package and any lower layer; packages on the
# same layer may not import each other, except on the top layer.
LAYERS: list[tuple[str, ...]] = [
    ("config", "extensions"),  # settings from the environment, unbound extensions
    ("core",),  # cross-cutting helpers: no domain
    ("audit",),  # every domain writes to the audit log
    ("media",),  # photos, documents, voice notes: subjects above register who sees them
    ("territory",),
    ("accounts",),  # a user's home commune: accounts reads territory, never the reverse
    ("consultations",),
    ("verification",),  # what a consultation requires of participants: proposals read it
    ("proposals",),
    ("participation",),
    ("moderation",),  # moderation hides comments and moves votes: it reads participation
    ("helpdesk",),  # officials enter proposals and supports for residents who are present
    ("ranking",),
    ("roadmaps",),
    ("maps",),
    ("exports",),  # the PDF draws static maps: exports read maps
    ("__init__", "ops", "demo", "demo_removal"),  # the app factory, operations, the demo
]
TOP = len(LAYERS) - 1

# Upward imports tolerated for now, each with the reason: {(module, imported module): why}.
ALLOWED: dict[tuple[str, str], str] = {
    ("roadmap.media.views", "roadmap.accounts.redirects"):
        "the transcript form's safe 'back to' path: a pure function on URLs, no accounts data",
}


@dataclass(frozen=True)
class Violation:
    """``module`` (at ``path``:``line``) imports ``imported``, which sits on a higher layer."""

    module: str
    path: str
    line: int
    imported: str

    def __str__(self) -> str:
        return (f"{self.path}:{self.line}: {self.module} imports {self.imported} "
                f"({part_of(self.module)} may not depend on {part_of(self.imported)})")


def part_of(module: str) -> str:
    """The layered part of ``roadmap`` a dotted module belongs to (``"__init__"``: the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_of(module: str) -> int | None:
    """The layer index of ``module``, or None if its part is on no layer."""
    part = part_of(module)
    return next((index for index, names in enumerate(LAYERS) if part in names), None)


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """``roadmap/participation/services.py`` -> ``roadmap.participation.services``."""
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a relative ``from .x import y`` names."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, source: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """Every ``roadmap`` module imported by ``source``, anywhere in it: ``(line, name)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, is_package, node) if node.level else node.module
            # ``from roadmap import territory`` imports the package ``roadmap.territory``.
            if target == "roadmap":
                found += [(node.lineno, f"roadmap.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Call) and _is_import_call(node):
            found.append((node.lineno, node.args[0].value))
    return [(line, name) for line, name in found if name == "roadmap"
            or (name or "").startswith("roadmap.")]


def _is_import_call(node: ast.Call) -> bool:
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return (name in ("import_module", "__import__") and node.args
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def upward_imports(module: str, source: str, path: str = "<string>", *,
                   is_package: bool = False) -> list[Violation]:
    """The imports of ``source`` (module ``module``) that point to a higher or sideways layer."""
    own = layer_of(module)
    violations = []
    for line, imported in imports_of(module, source, is_package=is_package):
        if imported == "roadmap" or part_of(imported) == part_of(module):
            continue
        theirs = layer_of(imported)
        if own is None or theirs is None or own == TOP:
            continue  # unknown parts are reported by test_every_part_of_the_package_has_a_layer
        if theirs > own or (theirs == own and own != TOP):
            violations.append(Violation(module, path, line, imported))
    return violations


def package_modules() -> list[Path]:
    """Every Python file of the ``roadmap`` package."""
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_imports_a_higher_layer():
    violations = []
    for path in package_modules():
        module = module_name(path)
        violations += [v for v in upward_imports(
            module, path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)),
            is_package=path.name == "__init__.py")
            if (v.module, v.imported) not in ALLOWED]
    assert not violations, "imports pointing upward:\n" + "\n".join(map(str, violations))


def test_every_part_of_the_package_has_a_layer():
    unplaced = sorted({part_of(module_name(path)) for path in package_modules()
                       if layer_of(module_name(path)) is None})
    assert not unplaced, f"add these to LAYERS in {Path(__file__).name}: {unplaced}"


def test_the_allowlist_holds_only_imports_that_exist():
    seen = set()
    for path in package_modules():
        module = module_name(path)
        seen |= {(module, name) for _line, name in imports_of(
            module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")}
    assert len(seen) > 200  # the scan does read the package's imports
    assert set(ALLOWED) <= seen, "remove the fixed entries from ALLOWED"


SOURCE = '''\
"""A proposal service that reaches up."""
from roadmap.extensions import db
from roadmap.consultations.models import Consultation
from . import signals


def rank(proposal):
    from roadmap.ranking.scoring import combine
    return combine(proposal)


def draw():
    import roadmap.maps.static_maps
    from ..roadmaps import services
    from roadmap import exports
    importlib.import_module("roadmap.moderation.services")
'''


def test_the_checker_catches_upward_imports_at_the_top_and_inside_functions():
    found = upward_imports("roadmap.proposals.services", SOURCE, "proposals/services.py")
    assert [(v.line, v.imported) for v in found] == [
        (8, "roadmap.ranking.scoring"), (13, "roadmap.maps.static_maps"),
        (14, "roadmap.roadmaps"), (15, "roadmap.exports"), (16, "roadmap.moderation.services")]
    assert str(found[0]) == ("proposals/services.py:8: roadmap.proposals.services imports "
                             "roadmap.ranking.scoring (proposals may not depend on ranking)")


def test_the_checker_accepts_downward_imports_and_refuses_sideways_ones():
    down = "from roadmap.proposals.models import Proposal\nfrom roadmap.core import htmx\n"
    assert upward_imports("roadmap.participation.services", down) == []
    # participation and moderation: moderation reads participation, never the reverse.
    assert upward_imports("roadmap.moderation.services",
                          "from roadmap.participation.models import Vote\n") == []
    assert [v.imported for v in upward_imports(
        "roadmap.participation.services", "from roadmap.moderation import policies\n")] == [
        "roadmap.moderation"]
    # Same layer, not the top: config and extensions stay independent.
    assert upward_imports("roadmap.config", "from roadmap.extensions import db\n") != []
    # The top may import anything, each other included.
    assert upward_imports("roadmap.demo", "from roadmap.demo_removal import remove_demo\n"
                                          "from roadmap.exports import cli\n") == []
    # A relative import inside a package's __init__ resolves from the package itself.
    assert [v.imported for v in upward_imports(
        "roadmap.core", "from ..ranking import scoring\n", is_package=True)] == [
        "roadmap.ranking"]
