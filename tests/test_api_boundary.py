"""The package boundaries: nn/ and optim/ use only autograd_core's public API (``__all__``),
and optim/ does not import nn/. Checked on the source with ``ast``, so it holds for every
file whatever it does at import time."""

import ast
from pathlib import Path

import pytest

import autograd_core as ag

REPO = Path(__file__).resolve().parent.parent
PUBLIC = set(ag.__all__)


def boundary_violations(source, filename="<source>", forbid_nn=False):
    """Every use of autograd_core outside ``__all__`` in ``source``, and every import of nn
    when ``forbid_nn``. Returns a list of "file:line: what" strings."""
    tree = ast.parse(source, filename)
    problems = []
    aliases = set()  # names bound to the autograd_core module itself

    def report(node, what):
        problems.append(f"{filename}:{node.lineno}: {what}")

    def check_module(node, module):
        parts = module.split(".")
        if parts[0] == "autograd_core" and len(parts) > 1 and parts[1] not in PUBLIC:
            report(node, f"imports the private module {module}")
        if forbid_nn and parts[0] == "nn":
            report(node, f"optim/ imports {module}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                check_module(node, alias.name)
                if alias.name == "autograd_core" or (
                        alias.name.startswith("autograd_core.") and alias.asname is None):
                    aliases.add(alias.asname or "autograd_core")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            check_module(node, node.module)
            if node.module == "autograd_core":
                for alias in node.names:
                    if alias.name != "*" and alias.name not in PUBLIC:
                        report(node, f"imports {alias.name!r}, which is not in "
                                     "autograd_core.__all__")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in aliases and node.attr not in PUBLIC:
            report(node, f"uses {node.value.id}.{node.attr}, which is not in "
                         "autograd_core.__all__")
    return problems


def python_files(package):
    return sorted((REPO / package).rglob("*.py"))


def test_every_name_in_all_exists_once():
    missing = [name for name in ag.__all__ if not hasattr(ag, name)]
    assert missing == []
    assert len(ag.__all__) == len(PUBLIC), "duplicate names in __all__"
    assert not [name for name in ag.__all__ if name.startswith("_")]


@pytest.mark.parametrize("package", ["nn", "optim"])
def test_packages_use_only_the_public_api(package):
    files = python_files(package)
    assert files, f"no Python files under {package}/"
    problems = []
    for path in files:
        problems += boundary_violations(path.read_text(encoding="utf-8"),
                                        str(path.relative_to(REPO)),
                                        forbid_nn=package == "optim")
    assert problems == [], "\n".join(problems)


VIOLATIONS = [
    ("from autograd_core.engine import Value", False),
    ("from autograd_core.ops import Tanh", False),
    ("import autograd_core.tape", False),
    ("from autograd_core import _to_array", False),
    ("from autograd_core import engine", False),
    ("import autograd_core as ag\nx = ag.engine._tapes", False),
    ("import autograd_core as ag\nag.ops.Tanh", False),
    ("import autograd_core\nautograd_core._grad_enabled", False),
    ("import nn", True),
    ("from nn.layers import Dense", True),
    ("import nn.module as m", True),
]


@pytest.mark.parametrize("source, forbid_nn", VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_the_checker_catches_violations(source, forbid_nn):
    assert len(boundary_violations(source, forbid_nn=forbid_nn)) == 1


def test_the_checker_accepts_the_public_api():
    source = (
        "import numpy as np\n"
        "import autograd_core as ag\n"
        "from autograd_core import Value, GradientTape, random\n"
        "from autograd_core.random import normal\n"
        "from .module import Module\n"
        "x = ag.tanh(ag.Variable(np.ones(2)))\n"
        "W = ag.random.normal((2, 2)).data\n"
    )
    assert boundary_violations(source, forbid_nn=True) == []
    assert boundary_violations("import nn", forbid_nn=False) == []


# --- nn's own import graph -------------------------------------------------------------------
def nn_imports(package="nn"):
    """{module: set of nn modules it imports}, from every import statement in the source
    (at module level or inside a function: an import is an edge wherever it is), plus the
    outside packages it imports, under the key "<module>:external"."""
    graph = {}
    for path in sorted((REPO / package).glob("*.py")):   # the package's modules (not scripts)
        module = path.stem
        edges, external = set(), set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    edges.add(node.module.split(".")[0])
                else:
                    edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top = node.module.split(".")[0]
                if top == package:
                    edges.add(node.module.split(".")[1] if "." in node.module else "__init__")
                else:
                    external.add(top)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.split(".")[0]
                    if top == package:
                        edges.add(alias.name.split(".")[1] if "." in alias.name else "__init__")
                    else:
                        external.add(top)
        graph[module] = edges
        graph[module + ":external"] = external
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules, or None (colouring depth-first search with
    an explicit stack)."""
    nodes = [m for m in graph if not m.endswith(":external")]
    state = {}
    for start in nodes:
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = "open"
        while stack:
            module, children = stack[-1]
            child = next((c for c in children if c in graph), None)
            if child is None:
                state[module] = "done"
                stack.pop()
                path.pop()
            elif state.get(child) == "open":
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = "open"
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_nn_has_no_import_cycles():
    graph = nn_imports()
    graph.pop("__init__")   # the package imports its modules; none imports it
    for module, edges in graph.items():
        if not module.endswith(":external"):
            assert "__init__" not in edges, f"nn/{module}.py imports the nn package"
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


@pytest.mark.parametrize("module", ["layers", "activations", "module", "base_layer",
                                    "merging", "functional_model", "functional", "symbolic",
                                    "initializers"])
def test_layers_know_nothing_of_training(module):
    graph = nn_imports()
    reachable, stack = set(), [module]
    while stack:    # everything the module imports, directly or not
        m = stack.pop()
        for child in graph.get(m, ()):
            if child not in reachable:
                reachable.add(child)
                stack.append(child)
    assert not reachable & {"training", "models", "sequential", "model_saving"}, reachable
    external = set().union(*(graph[m + ":external"] for m in reachable | {module}))
    assert not external & {"optim", "tqdm"}, external


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_the_suite_collects_without_pytorch(tmp_path):
    """PyTorch is an optional extra (CI installs it, a fresh clone's ``make test`` does
    not): no test file may need it to be collected. Run with a ``torch`` that cannot be
    imported, as on a machine without it."""
    import os
    import subprocess
    import sys

    (tmp_path / "torch.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO)]))
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "tests"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
