"""The one base for actions that need services: they get a :class:`bot.services.Services`.

rasa-sdk creates every action once with no arguments, so the default is the process's composition
root (:func:`bot.services.get_services`); tests pass their own ``Services`` with fakes::

    ActionCrearCaso(Services(settings, tickets=FakeTickets())).run(dispatcher, tracker, domain)

``ServiceAction`` is abstract (``name()`` is abstract), so rasa-sdk does not register it.
``ServicesMixin`` gives the same to form validation actions (``class ValidateX(ServicesMixin,
FormValidationAction)``).
"""

from __future__ import annotations

import abc

from rasa_sdk import Action

from bot.services import Services, get_services


class ServicesMixin:
    def __init__(self, services: Services | None = None) -> None:
        super().__init__()
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = get_services()
        return self._services


class ServiceAction(ServicesMixin, Action, metaclass=abc.ABCMeta):
    """A Rasa custom action with the services of the process (or the ones a test passes)."""

    @abc.abstractmethod
    def name(self) -> str: ...
