"""The core's layers (STYLE.md, DESIGN.md section 4): imports run one way, from settings and the
instrument up to the command line; no import cycle; no module imports another's _private name;
each rule of DESIGN.md section 3 is defined in exactly one module. The checks read the code
(AST), and each is shown to catch a deliberately broken package of its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Lowest first: a module may import its own layer or any below it, never one above.
LAYERS = (
    ("analytics.settings", "analytics.instrument", "analytics.errors"),
    ("analytics.store",),
    ("analytics.access",),
    ("analytics.ingest",),
    ("analytics.measures",),
    ("analytics.views",),
    ("analytics.reports",),
    ("analytics.demo",),
    ("analytics.cli", "analytics.__main__"),
)

# Rule of DESIGN.md section 3 -> (what only its home may contain, its home). Settings are read
# through their home's accessor everywhere else.
RULE_HOMES = {
    "the suppression threshold": (r"COMMON_MEASURE_SUPPRESSION_MIN_N", "measures/suppression.py"),
    "complementary suppression": (
        r"def suppress\b|def suppress_paired\b|hidden to protect small groups",
        "measures/suppression.py",
    ),
    "what a funder may see": (r"def conceal\b|def conceal_alpha\b", "measures/suppression.py"),
    "the bands": (r"COMMON_MEASURE_BAND_", "measures/scoring.py"),
    "the reliability flag": (r"COMMON_MEASURE_RELIABILITY_FLAG", "measures/statistics.py"),
    "the perception-gap flag": (r"COMMON_MEASURE_GAP_FLAG", "measures/statistics.py"),
    "the minimal important difference": (
        r"COMMON_MEASURE_MIN_IMPORTANT_DIFFERENCE",
        "measures/statistics.py",
    ),
    "the answer label map": (r"[\"']strongly agree[\"']\s*:", "ingest/answers.py"),
    "reverse coding in scores": (r"THEN 6 - ", "measures/scoring.py"),
    "Cronbach's alpha": (r"def cronbach_alpha\b", "measures/statistics.py"),
    "the groups of a breakdown": (r"^BREAKDOWNS\b|^ALL_GROUP\b", "measures/groups.py"),
}


def _modules(package: Path) -> dict[str, Path]:
    base = package.parent
    found = {}
    for path in package.rglob("*.py"):
        name = ".".join(path.relative_to(base).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path, root_name: str) -> list[tuple[str, str]]:
    """(imported module, imported name or '') of every import of the package's own modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == root_name:
                found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.split(".")[0] == root_name]
    return found


def _resolve(target: str, name: str, modules: dict[str, Path]) -> str:
    """`from a.b import c` imports module a.b.c when that is a module, else a name of a.b."""
    return f"{target}.{name}" if f"{target}.{name}" in modules else target


def _layer(module: str, layers=LAYERS) -> int | None:
    for rank, prefixes in enumerate(layers):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def layer_violations(package: Path, layers=LAYERS) -> list[str]:
    modules = _modules(package)
    found = []
    for module, path in modules.items():
        own = _layer(module, layers)
        for target, name in _imports(path, package.name):
            imported = _resolve(target, name, modules)
            other = _layer(imported, layers)
            if own is not None and other is not None and other > own:
                found.append(f"{module} imports {imported} (a layer above)")
    return found


def private_imports(package: Path) -> list[str]:
    modules = _modules(package)
    return [
        f"{module} imports {target}.{name}"
        for module, path in modules.items()
        for target, name in _imports(path, package.name)
        if name.startswith("_") and not name.startswith("__") and target != module
    ]


def import_cycles(package: Path) -> list[list[str]]:
    modules = _modules(package)
    edges = {
        m: {
            _resolve(t, n, modules)
            for t, n in _imports(p, package.name)
            if _resolve(t, n, modules) in modules
            # a package's __init__ may name its children; that is not a cycle of meaning
            and not _resolve(t, n, modules).startswith(m + ".")
        }
        for m, p in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def rule_homes_broken(root: Path, homes=RULE_HOMES) -> list[str]:
    code = [p for folder in ("analytics", "pages", "ui") for p in (root / folder).rglob("*.py")]
    code += [root / "app.py"] if (root / "app.py").exists() else []
    # Every setting is declared once in settings.py, with its default and help line.
    code = [p for p in code if p != root / "analytics" / "settings.py"]
    found = []
    for rule, (pattern, home) in homes.items():
        regex = re.compile(pattern, re.MULTILINE)
        places = {
            str(p.relative_to(root)).removeprefix("analytics/")
            for p in code
            if regex.search(p.read_text(encoding="utf-8"))
        }
        if places != {home}:
            found.append(f"{rule}: expected only in {home}, found in {sorted(places)}")
    return found


# -- the house, as it is ---------------------------------------------------------------------------


def test_every_module_of_the_core_has_a_layer():
    unplaced = [m for m in _modules(ROOT / "analytics") if m != "analytics" and _layer(m) is None]
    assert not unplaced


def test_imports_run_one_way():
    assert layer_violations(ROOT / "analytics") == []


def test_no_import_cycle():
    assert import_cycles(ROOT / "analytics") == []


def test_no_module_imports_another_modules_private_name():
    outside = [ROOT / "pages", ROOT / "ui"]
    found = private_imports(ROOT / "analytics")
    for folder in outside:
        for path in folder.rglob("*.py"):
            found += [
                f"{path.name} imports {t}.{n}"
                for t, n in _imports(path, "analytics")
                if n.startswith("_") and not n.startswith("__")
            ]
    assert found == []


def test_each_rule_lives_in_one_module():
    assert rule_homes_broken(ROOT) == []


def test_unconcealed_statistics_stay_inside_the_measures_layer():
    """scoring.stored_statistics is every reader's cache before concealment: only the measures
    layer, which conceals what it returns, may call it."""
    callers = [
        str(path.relative_to(ROOT))
        for folder in ("analytics", "pages", "ui")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(
            r"\b(stored_(paired_)?statistics|suppressed_breakdown|stored_crossed_counts)\b",
            path.read_text(encoding="utf-8"),
        )
        and "measures" not in path.parts
    ]
    assert callers == []


# -- each check catches a deliberately broken package -------------------------------------------


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A small package laid out like the core, its imports running one way."""
    package = tmp_path / "analytics"
    files = {
        "__init__.py": "",
        "settings.py": "LIMIT = 5\n",
        "store/__init__.py": "",
        "store/connection.py": "from analytics import settings\n",
        "measures/__init__.py": "",
        "measures/scoring.py": "from analytics.store.connection import settings\n",
        "views/__init__.py": "",
        "views/overview.py": "from analytics.measures import scoring\n",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return package


def test_the_toy_package_is_clean(toy):
    assert layer_violations(toy) == []
    assert import_cycles(toy) == []
    assert private_imports(toy) == []


def test_an_import_from_a_layer_above_is_caught(toy):
    (toy / "store/connection.py").write_text("from analytics.views.overview import scoring\n")
    assert layer_violations(toy) == [
        "analytics.store.connection imports analytics.views.overview (a layer above)"
    ]


def test_an_import_cycle_is_caught(toy):
    (toy / "store/connection.py").write_text("from analytics.measures import scoring\n")
    assert import_cycles(toy) == [["analytics.measures.scoring", "analytics.store.connection"]]


def test_a_private_cross_import_is_caught(toy):
    (toy / "views/overview.py").write_text("from analytics.measures.scoring import _x\n")
    assert private_imports(toy) == [
        "analytics.views.overview imports analytics.measures.scoring._x"
    ]


def test_a_rule_written_twice_is_caught(tmp_path):
    for name in ("analytics/measures/suppression.py", "pages/overview.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text('min_n = settings.get("COMMON_MEASURE_SUPPRESSION_MIN_N")\n')
    (tmp_path / "ui").mkdir()
    homes = {"threshold": (r"COMMON_MEASURE_SUPPRESSION_MIN_N", "measures/suppression.py")}
    assert rule_homes_broken(tmp_path, homes) == [
        "threshold: expected only in measures/suppression.py, found in "
        "['measures/suppression.py', 'pages/overview.py']"
    ]
