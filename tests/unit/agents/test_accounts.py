"""Accounts: password hashing, validation of roles and areas, log in/out, lockout, token expiry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.agents.models import Agent, AgentToken
from bot.agents.permissions import Forbidden, Invalid, Role, Unauthenticated
from bot.agents.security import PasswordHasher, WeakPassword, token_digest
from bot.db import session_scope

from .conftest import PASSWORD


def test_passwords_are_argon2id_hashes_and_verify(hasher: PasswordHasher) -> None:
    stored = hasher.hash(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert not hasher.needs_rehash(stored) and hasher.needs_rehash("$2b$04$" + "x" * 53)
    assert hasher.verify(PASSWORD, stored)
    assert not hasher.verify(PASSWORD + "x", stored)
    assert not hasher.verify(PASSWORD, None)  # unknown account: same work, always false
    assert not hasher.verify(PASSWORD, "not-a-hash")


@pytest.mark.parametrize(("password", "reason"), [("corta", "corta"), ("ñ" * 40, "larga")])
def test_password_policy(hasher: PasswordHasher, password: str, reason: str) -> None:
    with pytest.raises(WeakPassword) as exc:
        hasher.hash(password)
    assert exc.value.reason == reason


def test_created_agent_keeps_only_a_hash(team, db_url) -> None:
    with session_scope(db_url) as session:
        stored = session.execute(select(Agent).where(Agent.email == "ana@mineducacion.gov.co")).scalar_one()
        assert stored.password_hash != PASSWORD and stored.password_hash.startswith("$argon2id$")
    assert team["ana"].areas == frozenset({"DFGT-SRH"})
    assert team["coord"].areas == frozenset()


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"role": "agente", "areas": []}, "agente_sin_areas"),
        ({"role": "agente", "areas": ["NO-EXISTE"]}, "area_desconocida"),
        ({"role": "coordinador", "areas": ["OTSI"]}, "areas_solo_para_agente"),
        ({"role": "jefe", "areas": []}, "rol_invalido"),
        ({"role": "admin", "areas": [], "email": "sin-arroba"}, "email_invalido"),
        ({"role": "admin", "areas": [], "name": "   "}, "nombre_invalido"),
        ({"role": "admin", "areas": [], "password": "123"}, "clave_corta"),
        ({"role": "admin", "areas": [], "email": "ANA@mineducacion.gov.co"}, "email_existente"),
    ],
)
def test_invalid_accounts_are_refused(team, kwargs, reason) -> None:
    values = {"email": "nueva@mineducacion.gov.co", "name": "Nueva", "password": PASSWORD, **kwargs}
    with pytest.raises(Invalid) as exc:
        team.accounts.create_agent(**values)
    assert exc.value.reason == reason


def test_login_gives_a_token_stored_hashed(team, db_url) -> None:
    result = team.accounts.login(email="  Ana@MinEducacion.gov.co ", password=PASSWORD)
    assert result.principal.id == team["ana"].id and result.principal.role is Role.AGENTE
    with session_scope(db_url) as session:
        hashes = list(session.execute(select(AgentToken.token_hash)).scalars())
    assert hashes == [token_digest(result.token)] and result.token not in hashes
    assert team.accounts.principal_for_token(result.token).email == "ana@mineducacion.gov.co"


@pytest.mark.parametrize(("email", "password"), [("ana@mineducacion.gov.co", "otra-clave-123"),
                                                 ("nadie@mineducacion.gov.co", PASSWORD), ("", "")])
def test_wrong_credentials_are_one_answer(team, email, password) -> None:
    with pytest.raises(Unauthenticated) as exc:
        team.accounts.login(email=email, password=password)
    assert exc.value.reason == "credenciales_invalidas"


def test_failed_logins_never_lock_the_account(team) -> None:
    """Anyone can type an agent's e-mail: failures must not lock the agent out (the web app slows
    down the (account, IP) pair instead, see tests/unit/security/test_rate_limits.py)."""
    for _ in range(20):
        with pytest.raises(Unauthenticated):
            team.accounts.login(email=team.emails["ana"], password="mala-clave-000")
    assert team.accounts.login(email=team.emails["ana"], password=PASSWORD).principal.id == team["ana"].id


def test_old_bcrypt_hash_is_verified_and_replaced_by_argon2(team, db_url) -> None:
    import bcrypt

    from bot.agents.models import Agent

    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    with session_scope(db_url) as session:
        session.get(Agent, team["ana"].id).password_hash = legacy
    with pytest.raises(Unauthenticated):
        team.accounts.login(email=team.emails["ana"], password="mala-clave-000")
    with session_scope(db_url) as session:
        assert session.get(Agent, team["ana"].id).password_hash == legacy  # not touched on a failure
    assert team.accounts.login(email=team.emails["ana"], password=PASSWORD).principal.id == team["ana"].id
    with session_scope(db_url) as session:
        stored = session.get(Agent, team["ana"].id).password_hash
    assert stored.startswith("$argon2id$")
    assert team.accounts.login(email=team.emails["ana"], password=PASSWORD).principal.id == team["ana"].id


def test_token_expires_and_logout_revokes(team, clock) -> None:
    first = team.accounts.login(email=team.emails["ana"], password=PASSWORD)
    second = team.accounts.login(email=team.emails["ana"], password=PASSWORD)
    team.accounts.logout(first.token)
    with pytest.raises(Unauthenticated):
        team.accounts.principal_for_token(first.token)
    assert team.accounts.principal_for_token(second.token).id == team["ana"].id
    clock.advance(hours=team.accounts.token_hours, seconds=1)
    with pytest.raises(Unauthenticated):
        team.accounts.principal_for_token(second.token)
    with pytest.raises(Unauthenticated):
        team.accounts.principal_for_token(None)


def test_deactivation_and_password_change_end_sessions(team) -> None:
    session = team.accounts.login(email=team.emails["ana"], password=PASSWORD)
    team.accounts.update_agent(team["ana"].id, actor=team["admin"], password="nueva-clave-456")
    with pytest.raises(Unauthenticated):
        team.accounts.principal_for_token(session.token)
    session = team.accounts.login(email=team.emails["ana"], password="nueva-clave-456")
    team.accounts.update_agent(team["ana"].id, actor=team["admin"], active=False)
    with pytest.raises(Unauthenticated):
        team.accounts.principal_for_token(session.token)
    with pytest.raises(Unauthenticated):
        team.accounts.login(email=team.emails["ana"], password="nueva-clave-456")


def test_role_and_area_changes(team) -> None:
    info = team.accounts.update_agent(team["ana"].id, actor=team["admin"], areas=["OTSI", "DFGT-SRH"])
    assert info.areas == ("DFGT-SRH", "OTSI")
    info = team.accounts.update_agent(team["ana"].id, actor=team["admin"], role="coordinador", areas=[])
    assert info.role == "coordinador" and info.areas == ()
    with pytest.raises(Invalid):
        team.accounts.update_agent(team["beto"].id, actor=team["admin"], areas=[])


def test_the_last_admin_cannot_be_removed(team) -> None:
    with pytest.raises(Forbidden) as exc:
        team.accounts.update_agent(team["admin"].id, actor=team["admin"], active=False)
    assert exc.value.reason == "ultimo_admin"
    with pytest.raises(Forbidden):
        team.accounts.update_agent(team["admin"].id, actor=team["admin"], role="coordinador")
    team.accounts.create_agent(email="admin2@mineducacion.gov.co", name="Admin 2", role="admin", password=PASSWORD)
    assert team.accounts.update_agent(team["admin"].id, actor=team["admin"], active=False).active is False
