"""The package layout holds: modelzoo never imports lucid_vgg, no two modules import each other
(directly or in a loop), and no module is over 500 lines. Imports inside functions count too."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("modelzoo", "lucid_vgg")
MAX_LINES = 500


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports_of(name: str) -> set:
    """The project modules `name` imports anywhere in its file (absolute and relative imports)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # `a.b.name` -> the module `a.b`
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def cycles(graph: dict) -> list:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return groups


def is_package_init(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def test_modelzoo_imports_nothing_from_lucid_vgg():
    back = {m: sorted(t for t in GRAPH[m] if t.split(".")[0] == "lucid_vgg")
            for m in GRAPH if m.split(".")[0] == "modelzoo"}
    assert not {m: t for m, t in back.items() if t}


def test_no_import_cycles_between_modules():
    # a package's __init__ importing its own submodules is how a package exports names, not a
    # dependency between jobs: leave those edges out
    graph = {m: {t for t in ts if not (is_package_init(t) and m.startswith(t + "."))}
             for m, ts in GRAPH.items()}
    assert cycles(graph) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_at_most_500_lines(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines"


def test_the_checks_can_fail():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "modelzoo.util" in GRAPH["modelzoo.loading"]  # imports are really found
