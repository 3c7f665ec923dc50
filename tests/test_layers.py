"""The project's layers, checked on its source: no import cycles, and each package imports only what its layer may.

corpus/ is the data side (no NLP, no Dask, nothing of the other packages); tasks/ is the language
work (no Dask, nothing of cluster/ or views/); views/ reads outputs (nothing of cluster/); cluster/
may import anything. Every .py file under the four packages is parsed with `ast`; the layer rules
count every import, including those inside functions and under `if TYPE_CHECKING:`. Cycles count
only imports that run when a module is imported (not inside a function, not under TYPE_CHECKING).
The in-process commands (tokenize, entities, align-files) are also run to check that they load no
`distributed`.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("corpus", "tasks", "cluster", "views")


@dataclass(frozen=True)
class Import:
    """One import statement's target in a project module: `target` is absolute ("tasks.vi.segmenter", "spacy")."""

    module: str  # the importing module
    path: str  # its file, relative to the repository
    line: int
    target: str
    runs_on_import: bool  # not inside a function nor under `if TYPE_CHECKING:`

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    """Every project module by dotted name (a package by its __init__.py)."""
    return {_module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _ImportCollector(ast.NodeVisitor):
    """The absolute names each import statement of one module names, with whether it runs on import."""

    def __init__(self, module: str, is_package: bool, modules: set[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.modules = modules
        self.found: list[tuple[int, str, bool]] = []
        self._deferred = 0  # depth of enclosing functions and TYPE_CHECKING blocks

    def _defer(self, nodes: list[ast.stmt]) -> None:
        self._deferred += 1
        for node in nodes:
            self.visit(node)
        self._deferred -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._defer(node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._defer(node.body)
        for statement in node.orelse:
            self.visit(statement)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((node.lineno, alias.name, not self._deferred))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join([*parts[: len(parts) - node.level + 1], *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        targets = [base]
        # `from pkg import mod` imports the submodule pkg.mod; `from pkg import name` only pkg.
        targets += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in self.modules]
        self.found += [(node.lineno, target, not self._deferred) for target in targets]


MODULES = _modules()


def _imports() -> list[Import]:
    out = []
    for module, path in MODULES.items():
        collector = _ImportCollector(module, path.name == "__init__.py", set(MODULES))
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        out += [Import(module, str(path.relative_to(ROOT)), line, target, runs) for line, target, runs in collector.found]
    return out


IMPORTS = _imports()


def _edges() -> dict[str, dict[str, Import]]:
    """Project module -> the project modules its import-time imports load (with one import doing it).

    Importing a.b.c loads packages a and a.b first; the importer's own packages are already loading, so
    they are left out, as is the module itself.
    """
    graph: dict[str, dict[str, Import]] = {m: {} for m in MODULES}
    for imp in IMPORTS:
        if not imp.runs_on_import:
            continue
        parts = imp.target.split(".")
        own = {".".join(imp.module.split(".")[:n]) for n in range(1, imp.module.count(".") + 2)}
        for n in range(1, len(parts) + 1):
            loaded = ".".join(parts[:n])
            if loaded in MODULES and loaded not in own:
                graph[imp.module].setdefault(loaded, imp)
    return graph


def _cycles(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as one cycle through them."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_cycle_through(graph, set(c)) for c in components]


def _cycle_through(graph: dict[str, dict[str, Import]], component: set[str]) -> list[str]:
    """A shortest cycle from the component's first module back to it, staying inside the component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    return paths[v] + [start]
                if w in component and w not in paths:
                    paths[w] = paths[v] + [w]
                    following.append(w)
        frontier = following
    raise AssertionError(f"no cycle through {sorted(component)}")


def test_no_import_cycles() -> None:
    graph = _edges()
    described = [" -> ".join(f"{a} ({graph[a][b].where()})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}" for cycle in _cycles(graph)]
    assert not described, "import cycles:\n" + "\n".join(described)


# (package, top-level names it must not import, why)
LAYERS = [
    ("tasks", {"dask", "distributed"}, "tasks/ runs inside one process: Dask belongs to cluster/"),
    ("corpus", {"spacy", "pyvi", "dask", "distributed", "tasks", "cluster", "views"}, "corpus/ is data only: no NLP, no Dask, no other package"),
    ("tasks", {"cluster", "views"}, "tasks/ must not know where it runs nor who reads its output"),
    ("views", {"cluster"}, "views/ read outputs; cluster/ runs them"),
]


@pytest.mark.parametrize(("package", "forbidden", "why"), LAYERS, ids=[f"{p}-{'-'.join(sorted(f))}" for p, f, _ in LAYERS])
def test_layer_imports(package: str, forbidden: set[str], why: str) -> None:
    bad = [f"{imp.where()}: {imp.target}" for imp in IMPORTS if imp.module.split(".")[0] == package and imp.target.split(".")[0] in forbidden]
    assert not bad, f"{why}:\n" + "\n".join(bad)


# Run in a fresh interpreter: a finder first in sys.meta_path records the stack that first imports
# `distributed` (and finds nothing itself), then the command runs; prints JSON {status, stack}.
_PROBE = """
import json, sys, traceback
from importlib.abc import MetaPathFinder

class Witness(MetaPathFinder):
    stack = None
    def find_spec(self, name, path=None, target=None):
        if name == "distributed" and Witness.stack is None:
            frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith("<")]
            Witness.stack = "".join(traceback.format_list(frames))
        return None

sys.meta_path.insert(0, Witness())
from cluster.cli import main
status = main(json.loads(sys.argv[1]))
print(json.dumps({"status": status, "loaded": "distributed" in sys.modules, "stack": Witness.stack}))
"""


def _write(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def _command(name: str, tmp_path: Path) -> tuple[list[str], Path]:
    """The arguments of command `name` on two short English lines (and their French, for align-files), and its output file."""
    texts = _write(tmp_path / "en.txt", ["Lucas Beyer joined Meta for $100 million.", "He left OpenAI in June."])
    output = tmp_path / "out.txt"
    if name == "align-files":
        french = _write(tmp_path / "fr.txt", ["Lucas Beyer a rejoint Meta pour 100 millions de dollars.", "Il a quitté OpenAI en juin."])
        pairs = _write(tmp_path / "pairs.tsv", [f"{texts}\t{french}\t{output}"])
        return ["align-files", "--pairs", pairs, "--src-lang", "en", "--tgt-lang", "fr"], output
    return [name, "--lang", "en", "--input", texts, "--output", str(output)], output


@pytest.mark.parametrize("name", ["tokenize", "entities", "align-files"])
def test_in_process_commands_load_no_distributed(name: str, tmp_path: Path) -> None:
    argv, output = _command(name, tmp_path)
    result = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["status"] == 0 and len(output.read_text(encoding="utf-8").splitlines()) == 2, result.stderr
    assert not report["loaded"], f"`polycorpus {name}` imported distributed here:\n{report['stack']}"
