"""The composition root: settings read once, services built lazily from them, fakes passed through."""

from __future__ import annotations

import inspect

from rasa_sdk import Action
from rasa_sdk import utils as sdk_utils
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ServiceAction
from actions.tickets import ActionPedirConsentimiento
from bot.services import Services, get_services
from bot.settings import get_settings, load_settings


def test_services_are_built_once_from_the_settings(tmp_path):
    services = Services(load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}))
    assert services.sessions is services.sessions
    assert str(services.sessions.kw["bind"].url).endswith("app.db")
    assert services.tickets is services.tickets


def test_fakes_are_handed_through():
    fake = object()
    assert Services(load_settings({}), tickets=fake).tickets is fake  # type: ignore[arg-type]


def test_the_process_services_follow_the_settings(monkeypatch):
    monkeypatch.setenv("PRIVACY_POLICY_URL", "https://example.org/a")
    get_settings.cache_clear()
    try:
        first = get_services()
        assert get_services() is first and first.settings.privacy_policy_url == "https://example.org/a"
        dispatcher = CollectingDispatcher()
        ActionPedirConsentimiento().run(dispatcher, None, {})  # type: ignore[arg-type]
        assert dispatcher.messages[0]["response"] == "utter_consentimiento_con_enlace"
        monkeypatch.setenv("PRIVACY_POLICY_URL", "")
        get_settings.cache_clear()
        assert get_services() is not first
    finally:
        get_settings.cache_clear()


def test_the_base_class_is_not_registered_as_an_action():
    registered = [a for a in sdk_utils.all_subclasses(Action) if not inspect.isabstract(a)]
    assert ServiceAction not in registered
    assert ActionPedirConsentimiento in registered
