import pytest

from bot.tickets.workflow import (
    TRANSITIONS,
    InvalidTransition,
    TicketStatus,
    can_transition,
    check_transition,
    reopen_target,
)

S = TicketStatus


def test_happy_path_is_allowed_step_by_step():
    path = [S.NUEVO, S.ASIGNADO, S.EN_CURSO, S.ESPERANDO_RESPUESTA, S.RESUELTO, S.CERRADO]
    for current, target in zip(path, path[1:], strict=False):
        assert can_transition(current, target), (current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.NUEVO, S.EN_CURSO), (S.NUEVO, S.RESUELTO), (S.CERRADO, S.RESUELTO), (S.RESUELTO, S.ESPERANDO_RESPUESTA)],
)
def test_skipping_steps_is_refused(current, target):
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition):
        check_transition(current, target)


def test_reopen_goes_back_to_the_agent_or_the_queue():
    assert reopen_target(has_agent=True) is S.EN_CURSO
    assert reopen_target(has_agent=False) is S.NUEVO
    assert can_transition(S.CERRADO, S.EN_CURSO) and can_transition(S.RESUELTO, S.NUEVO)


def test_every_status_has_an_entry_and_no_self_loops():
    assert set(TRANSITIONS) == set(S)
    assert all(s not in targets for s, targets in TRANSITIONS.items())


def test_values_are_strings_accepted_too():
    assert can_transition("esperando_respuesta", "en_curso")
