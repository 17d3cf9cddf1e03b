"""The action server registers every action of the package (a base class without a name stops it)."""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor


def test_every_action_of_the_package_registers():
    executor = ActionExecutor()
    executor.register_package("actions")
    names = set(executor.actions)
    assert {"validate_indicador_form", "action_preparar_indicador", "action_responder_indicador"} <= names
