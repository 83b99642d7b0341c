"""How many commands the undo stack keeps: a room few, a journal fold as many as ever allowed."""

from __future__ import annotations

from cibo.core import new_game
from cibo.core.state import replace
from cibo.core.undo import KEPT_BY_FOLDS, KEPT_IN_ROOMS, UndoStack
from cibo.rulesets import find_ruleset
from cibo.rulesets.loader import load_ruleset


def _stack(keep: int, commands: int) -> UndoStack:
    """A stack fed ``commands`` undoable moves (the state does not matter to what it keeps)."""
    state = new_game(load_ruleset(find_ruleset("electro-fishers")).ruleset,
                     ruleset_sha256="0" * 64, seed=bytes(32))
    playing = replace(state, status="playing")
    stack = UndoStack(keep=keep)
    for seq in range(commands):
        stack.note("s1", {"type": "act", "hero": "h1", "action": "move", "target": str(seq)},
                   playing, playing, seq)
    return stack


def test_a_room_takes_back_its_last_sixteen_commands_and_no_more() -> None:
    stack = _stack(KEPT_IN_ROOMS, 20)
    assert [m.seq for m in stack.marks] == list(range(4, 20))
    for _ in range(KEPT_IN_ROOMS):
        assert stack.refusal("s1", "s1", host=False) is None
        stack.pop("s1")
    assert stack.refusal("s1", "s1", host=False) == "undo/nothing"


def test_a_fold_keeps_as_many_as_any_room_ever_did_and_limit_trims_to_the_latest() -> None:
    stack = _stack(UndoStack().keep, 70)
    assert stack.keep == KEPT_BY_FOLDS == 64
    assert [m.seq for m in stack.marks] == list(range(6, 70))
    stack.limit(KEPT_IN_ROOMS)
    assert [m.seq for m in stack.marks] == list(range(54, 70))
    stack.note("s1", {"type": "act"}, stack.marks[0].before, stack.marks[0].before, 70)
    assert len(stack.marks) == KEPT_IN_ROOMS and stack.marks[-1].seq == 70
