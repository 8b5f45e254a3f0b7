"""What the code imports is what pyproject.toml declares, and the pins cover it all.

A package that is only present as another's dependency, or asked for through an extra
that an older pip does not install (lxml[html_clean] under jusText), works on the
machine that happened to have it and fails on a fresh one.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from conftest import REPO


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        names += extra
    return {_normalise(re.split(r"[<>=!~\[; ]", name, maxsplit=1)[0]) for name in names}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_level() -> set[str]:
    found = set()
    for path in (REPO / "tracker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"tracker"}


def test_every_imported_package_is_declared():
    distributions = packages_distributions()
    declared = _declared()
    missing = {}
    for module in sorted(_imported_top_level()):
        names = {_normalise(d) for d in distributions.get(module, [module])}
        if not names & declared:
            missing[module] = sorted(names)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_the_html_cleaner_that_old_pips_skip_is_declared():
    assert "lxml-html-clean" in _declared()


def test_constraints_pin_every_declared_package():
    pinned = {_normalise(line.split("==")[0]) for line in
              (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
              if "==" in line and not line.startswith("#")}
    # quantulum3 is the benchmark's yardstick only, installed on purpose by `make bench`.
    unpinned = _declared() - pinned - {"quantulum3"}
    assert not unpinned, f"declared but not pinned in constraints.txt: {sorted(unpinned)}"
