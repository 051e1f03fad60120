"""Every flow has a Mermaid diagram beside it, and the state diagrams stay true: each step a
module defines is drawn, each transition its code makes is drawn, nothing drawn is unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.state import STEP_NAMES
from bot.flows.engine import STEPS
from tests.support.flowgraph import FLOWS, coded, drawn

MODULES = sorted(p for p in FLOWS.glob("*.py") if p.stem not in ("__init__", "base"))
STATE_DIAGRAMS = sorted(
    p for p in FLOWS.glob("*.mmd") if p.read_text("utf-8").startswith("stateDiagram")
)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_every_flow_has_a_diagram(module: Path) -> None:
    diagram = module.with_suffix(".mmd")
    assert diagram.exists(), f"{diagram.name} is missing"
    first = diagram.read_text("utf-8").splitlines()[0]
    assert first in ("stateDiagram-v2", "flowchart TD", "flowchart LR")


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_the_diagram_draws_what_the_code_does(module: Path) -> None:
    code = coded(module)
    if not code.steps:
        return
    picture = drawn(module.with_suffix(".mmd"))
    assert code.steps <= picture.states, f"steps not drawn: {code.steps - picture.states}"
    missing = code.edges - picture.edges
    assert not missing, f"transitions not drawn: {sorted(missing)}"
    targets = {b for _a, b in picture.edges}
    assert code.helper_targets <= targets, f"not drawn: {code.helper_targets - targets}"


@pytest.mark.parametrize("diagram", STATE_DIAGRAMS, ids=lambda p: p.stem)
def test_nothing_drawn_is_unknown(diagram: Path) -> None:
    picture = drawn(diagram)
    unknown = picture.states - set(STEPS) - picture.aliases
    assert not unknown, f"{diagram.name} draws states that are no step: {unknown}"


def test_the_checker_sees_a_missing_transition(tmp_path: Path) -> None:
    module = tmp_path / "flow.py"
    module.write_text(
        'class A:\n    name = "a"\n\n    def choose(self, state, key, ctx):\n'
        '        nxt = "b" if key else "c"\n        return state.go(nxt)\n',
        "utf-8",
    )
    (tmp_path / "flow.mmd").write_text("stateDiagram-v2\n    a --> b: yes\n", "utf-8")
    assert coded(module).edges == {("a", "b"), ("a", "c")}
    assert coded(module).edges - drawn(tmp_path / "flow.mmd").edges == {("a", "c")}


def test_the_step_table_names_every_step_once() -> None:
    assert set(STEPS) == STEP_NAMES
    assert all(name == step.name for name, step in STEPS.items())
