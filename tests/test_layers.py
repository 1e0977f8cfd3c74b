"""The layout rules are checked, not described: the import-linter contracts in setup.cfg (data flows one way,
each stage from its CLI down to its rules, no MindSpore in the pure layers), no import cycle between
modules, and folders and modules small enough to read. Each check is also shown failing on a planted
violation, in a copy of the packages."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("fileio", "converters", "training", "evaluation", "mathtune")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=where, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"})


def copy_packages(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.cc"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def plant(path: Path, line: str) -> None:
    """Add an import inside a function at the end of a module: it counts as much as one at the top."""
    path.write_text(path.read_text() + f"\n\ndef _planted():\n    {line}\n")


def test_contracts_kept():
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout and "6 kept" in out.stdout, out.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("fileio/errors.py", "from converters.rules import compute", "Stages"),
    ("training/run/progress.py", "from evaluation.scoring import score", "Stages"),
    ("converters/rules/compute.py", "from converters.encode import render", "converters:"),
    ("evaluation/scoring/extract.py", "from evaluation.inference import predict", "evaluation:"),
    ("training/config/loader.py", "from training.run import train", "training:"),
    ("evaluation/sandbox/runner.py", "import mindspore", "pure Python"),
])
def test_a_planted_violation_is_caught(tmp_path, module, line, contract):
    where = copy_packages(tmp_path)
    plant(where / module, line)
    out = lint(where)
    assert out.returncode == 1, out.stdout + out.stderr
    assert contract in broken(out.stdout), out.stdout


def broken(report: str) -> str:
    """The names of the broken contracts in lint-imports' report (it folds long names over lines)."""
    text = " ".join(report.split("Contracts:")[0].split())
    verdicts = text.split("Analyzed")[-1]
    parts = [p for p in verdicts.replace(" KEPT", " KEPT\n").replace(" BROKEN", " BROKEN\n").split("\n")]
    return "\n".join(p for p in parts if p.endswith("BROKEN"))


def test_a_new_sub_package_must_be_given_a_layer(tmp_path):
    where = copy_packages(tmp_path)
    (where / "evaluation" / "metrics").mkdir()
    (where / "evaluation" / "metrics" / "__init__.py").write_text('"""Unplaced."""\n')
    out = lint(where)
    assert out.returncode == 1 and "evaluation:" in broken(out.stdout), out.stdout


def cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), imports inside functions included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def graph_of(where: Path):
    sys.path.insert(0, str(where))
    try:
        return grimp.build_graph(*PACKAGES, cache_dir=None)
    finally:
        sys.path.remove(str(where))


def test_no_import_cycles():
    assert cycles(graph_of(ROOT)) == []


def test_a_planted_cycle_is_found(tmp_path, monkeypatch):
    where = copy_packages(tmp_path)
    # answering imports sampled_answers' module inside a function, which imports answering at the top
    plant(where / "evaluation/inference/answering.py", "from evaluation.inference import sampled_answers")
    for name in [m for m in sys.modules if m.split(".")[0] in PACKAGES]:
        monkeypatch.delitem(sys.modules, name)
    assert cycles(graph_of(where)) == [["evaluation.inference.answering", "evaluation.inference.sampled_answers"]]


def modules() -> list[Path]:
    return sorted(p for name in PACKAGES for p in (ROOT / name).rglob("*.py") if "__pycache__" not in p.parts)


def test_folders_and_modules_stay_small():
    """A folder holds at most 15 modules and a module at most 300 lines; no module is named like a standard
    library one (run as a script, its folder would shadow it)."""
    folders: dict[Path, int] = {}
    for p in modules():
        if p.name != "__init__.py":
            folders[p.parent] = folders.get(p.parent, 0) + 1
    assert {str(f.relative_to(ROOT)): n for f, n in folders.items() if n > 15} == {}
    assert {str(p.relative_to(ROOT)): n for p in modules() if (n := len(p.read_text().splitlines())) > 300} == {}
    assert [str(p.relative_to(ROOT)) for p in modules() if p.stem in sys.stdlib_module_names] == []


def test_every_package_says_what_it_holds_and_nothing_more():
    """An `__init__.py` is its docstring only: code there would sit outside every layer of the contracts."""
    import ast

    inits = [p for p in modules() if p.name == "__init__.py"]
    assert [str(p.relative_to(ROOT)) for p in inits if not ast.get_docstring(ast.parse(p.read_text()))] == []
    assert [str(p.relative_to(ROOT)) for p in inits if len(ast.parse(p.read_text()).body) != 1] == []
