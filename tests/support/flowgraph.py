"""The transitions the flow modules code, read from their source: ``state.go("step")`` calls
inside each step class (``name = "..."``) and in the module's helper functions."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

FLOWS = Path(__file__).resolve().parents[2] / "bot" / "flows"
_EDGE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)\s*(?::.*)?$")
_ALIAS = re.compile(r'^\s*state\s+"[^"]*"\s+as\s+(\w+)\s*$')
_LABEL = re.compile(r"^\s*(\w+)\s*:\s*.+$")


@dataclass
class Coded:
    """What one flow module codes."""

    steps: set[str] = field(default_factory=set)
    edges: set[tuple[str, str]] = field(default_factory=set)
    helper_targets: set[str] = field(default_factory=set)


def _strings(node: ast.AST) -> set[str]:
    """The step names an expression can give: a string, or either side of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def _targets(node: ast.AST) -> set[str]:
    names: dict[str, set[str]] = {}
    for assign in ast.walk(node):
        if isinstance(assign, ast.Assign):
            for target in assign.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, set()).update(_strings(assign.value))
    found: set[str] = set()
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "go"
            and call.args
        ):
            first = call.args[0]
            found |= names.get(first.id, set()) if isinstance(first, ast.Name) else _strings(first)
    return found


def _called(node: ast.AST) -> set[str]:
    return {
        call.func.id
        for call in ast.walk(node)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    }


def _step_name(cls: ast.ClassDef) -> str | None:
    for item in cls.body:
        if (
            isinstance(item, ast.Assign)
            and [t.id for t in item.targets if isinstance(t, ast.Name)] == ["name"]
            and isinstance(item.value, ast.Constant)
            and isinstance(item.value.value, str)
        ):
            return item.value.value
    return None


def coded(module: Path) -> Coded:
    tree = ast.parse(module.read_text("utf-8"))
    out = Coded()
    helpers = {
        node.name: _targets(node)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and (name := _step_name(node)) is not None:
            out.steps.add(name)
            # A step's own transitions and those of the module's helpers it calls.
            targets = _targets(node).union(*(helpers.get(f, set()) for f in _called(node)))
            out.edges |= {(name, target) for target in targets}
    out.helper_targets = set().union(*helpers.values())
    return out


@dataclass
class Drawn:
    """What one state diagram (``stateDiagram-v2``) draws."""

    states: set[str] = field(default_factory=set)
    edges: set[tuple[str, str]] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)


def drawn(diagram: Path) -> Drawn:
    out = Drawn()
    for line in diagram.read_text("utf-8").splitlines():
        if (edge := _EDGE.match(line)) is not None:
            out.edges.add((edge[1], edge[2]))
            out.states |= {edge[1], edge[2]} - {"[*]"}
        elif (alias := _ALIAS.match(line)) is not None:
            out.aliases.add(alias[1])
        elif (label := _LABEL.match(line)) is not None:
            out.states.add(label[1])
    return out
