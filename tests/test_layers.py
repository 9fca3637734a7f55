"""The ground floor knows no feature app: imports only go down the layers.

``governance`` and ``grids`` are the ground floor; ``cases`` and ``duty`` stand on it (the
duty app may call cases, cases does not know duty); ``scoring`` reads them both and none
of them knows it. Only the wiring (settings, the root URLconf, the API router, the Celery
app) names every app. Walked with ``ast`` over every module, imports inside functions
included, so the rule holds without anyone remembering it.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# Which project apps each app may import.
MAY_IMPORT = {
    "governance": {"grids"},
    "grids": {"governance"},
    "cases": {"governance", "grids"},
    "duty": {"governance", "grids", "cases"},
    "scoring": {"governance", "grids", "cases", "duty", "organisation"},
    "affairs": {"governance", "grids", "cases"},
    "organisation": {"governance", "grids", "cases", "duty"},
}
WIRING = {
    "governance/settings.py",
    "governance/urls.py",
    "governance/api/urls.py",
    "governance/celery.py",
}


def project_apps() -> set[str]:
    return {app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").exists()}


def imported_apps(path: Path, apps: set[str]) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in apps:
                found.add((node.lineno, top))
    return found


def test_every_project_app_has_its_place_in_the_layers():
    assert project_apps() == set(MAY_IMPORT), "add the new app to MAY_IMPORT, with what it may read"


def test_no_module_imports_an_app_above_its_own():
    apps = project_apps()
    wrong = []
    for app in sorted(apps):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in WIRING:
                continue
            for lineno, other in sorted(imported_apps(path, apps)):
                if other != app and other not in MAY_IMPORT[app]:
                    wrong.append(f"{relative}:{lineno} imports {other}")
    assert not wrong, "imports that go up the layers:\n" + "\n".join(wrong)


def test_the_walk_finds_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from cases.models import Case\n    import scoring.jobs\n")
    assert imported_apps(module, {"cases", "scoring"}) == {(4, "cases"), (5, "scoring")}
