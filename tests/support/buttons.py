"""Every text that becomes a button label, found in the code and in the content.

A label is the second argument of ``Option(key, Msg(N_("...")))`` (also through a name bound
at module level), a ``counted(...)`` label, a value of a ``*_LABELS`` table, or the first item of
a ``(Msg(N_("...")), action)`` pair sent as a button by the delivery; and the content's status
labels, the "other" button and the counselling points' labels.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.content.model import Content

ROOT = Path(__file__).resolve().parents[2] / "bot"


def _msgid(node: ast.AST) -> list[str]:
    """The msgids of a ``Msg(N_("..."))``, ``N_("...")`` or ``counted("...", "...", n)``."""
    if isinstance(node, ast.IfExp):
        return _msgid(node.body) + _msgid(node.orelse)
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return []
    name, args = node.func.id, node.args
    if name == "Msg" and args:
        return _msgid(args[0])
    if name == "N_" and args and isinstance(args[0], ast.Constant):
        return [str(args[0].value)]
    if name == "counted" and len(args) >= 2:
        return [str(a.value) for a in args[:2] if isinstance(a, ast.Constant)]
    return []


def code_labels(root: Path = ROOT) -> set[str]:
    """Button labels written in the code."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Option"
                and len(node.args) >= 2
            ):
                found.update(_msgid(node.args[1]))
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id.endswith("_LABELS") for t in node.targets)
            ):
                for value in node.value.values:
                    found.update(_msgid(value))
            if (
                isinstance(node, ast.Tuple)
                and len(node.elts) == 2
                and _msgid(node.elts[0])
                and isinstance(node.elts[1], ast.Call)
                and isinstance(node.elts[1].func, ast.Name)
                and node.elts[1].func.id in ("StopCourse", "CaseAction")
            ):
                found.update(_msgid(node.elts[0]))
    return found


def content_labels(content: Content) -> set[str]:
    """Button labels that come from a content pack."""
    labels = {s.label for s in content.statuses.values()}
    labels |= {p.label for p in content.points.values()}
    if content.other_statuses:
        labels.add(content.other_statuses)
    return labels
