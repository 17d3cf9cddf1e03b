"""Helpers of the API tests: the web app with fast test services, and logged-in clients."""

from __future__ import annotations

from dataclasses import dataclass, replace

from fastapi.testclient import TestClient

from bot.agents.outbox import RasaNotifier
from bot.settings import load_settings
from webapp.agents.services import AgentServices
from webapp.app import create_app

from .conftest import PASSWORD, Team


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, path: str, **kwargs):
        return self.client.get(path, headers=self.headers(who), **kwargs)

    def post(self, who: str, path: str, json=None, **kwargs):
        return self.client.post(path, headers=self.headers(who), json=json, **kwargs)


def build_api(tmp_path, db_url: str, team: Team, clock, hasher, rasa_url: str, **settings_overrides) -> Api:
    settings = replace(
        load_settings({"APP_VAR_DIR": str(tmp_path), "DATABASE_URL": db_url, "RASA_URL": rasa_url}),
        **settings_overrides,
    )
    app = create_app(settings)
    app.state.agents = AgentServices.build(
        settings, hasher=hasher, clock=clock, notifier=RasaNotifier(rasa_url=rasa_url, timeout=2)
    )
    client = TestClient(app)
    tokens = {}
    for name, email in team.emails.items():
        response = client.post("/api/agentes/sesion", json={"email": email, "clave": PASSWORD})
        assert response.status_code == 200, response.text
        tokens[name] = response.json()["token"]
    return Api(client=client, tokens=tokens)
