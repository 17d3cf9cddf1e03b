"""Agents' accounts: creation and changes (admin), log in / log out, bearer token -> :class:`Principal`.

Every method opens its own short session. A wrong e-mail, a wrong password and a disabled account
all give the same :class:`Unauthenticated` answer, after the same hashing work, so nobody learns
which accounts exist. Accounts are never locked by failed logins (anyone could lock an agent out):
repeated failures are slowed down per (account, IP) by the web app (:class:`bot.ratelimit.LoginThrottle`).
A correct password stored as an old bcrypt hash is rehashed with Argon2id at login.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.agents.models import Agent, AgentArea, AgentToken
from bot.agents.permissions import Forbidden, Invalid, NotFound, Principal, Role, Unauthenticated
from bot.agents.security import PasswordHasher, WeakPassword, new_token, token_digest
from bot.db import session_scope
from bot.tickets.areas import AreaCatalog, AreasOnDemand
from bot.tickets.models import utcnow
from bot.tickets.validation import clean_text

MAX_NAME_CHARS = 120
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class AgentInfo:
    id: int
    email: str
    name: str
    role: str
    areas: tuple[str, ...]
    active: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    principal: Principal


def normalise_email(raw: str) -> str:
    email = clean_text(raw).lower()
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise Invalid("email_invalido")
    return email


def _areas_of(session: Session, agent_id: int) -> tuple[str, ...]:
    stmt = select(AgentArea.area_code).where(AgentArea.agent_id == agent_id).order_by(AgentArea.area_code)
    return tuple(session.execute(stmt).scalars())


def _info(session: Session, agent: Agent) -> AgentInfo:
    return AgentInfo(
        id=agent.id,
        email=agent.email,
        name=agent.name,
        role=agent.role,
        areas=_areas_of(session, agent.id),
        active=agent.active,
        created_at=agent.created_at,
        last_login_at=agent.last_login_at,
    )


def _principal(session: Session, agent: Agent) -> Principal:
    return Principal(
        id=agent.id, email=agent.email, name=agent.name, role=Role(agent.role),
        areas=frozenset(_areas_of(session, agent.id)),
    )


class AgentAccounts(AreasOnDemand):
    def __init__(
        self,
        *,
        database_url: str,
        hasher: PasswordHasher | None = None,
        areas: AreaCatalog | None = None,
        token_hours: int = 12,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database_url = database_url
        self.hasher = hasher or PasswordHasher()
        self._areas = areas
        self.token_hours = token_hours
        self.clock = clock

    # -- validation
    def _check_role_areas(self, role: str, areas: Iterable[str]) -> tuple[Role, tuple[str, ...]]:
        try:
            parsed = Role(role)
        except ValueError:
            raise Invalid("rol_invalido") from None
        codes = tuple(sorted({a.strip() for a in areas if a and a.strip()}))
        unknown = [c for c in codes if self.areas.get(c) is None]
        if unknown:
            raise Invalid("area_desconocida", areas=unknown)
        if parsed is Role.AGENTE and not codes:
            raise Invalid("agente_sin_areas")
        if parsed not in (Role.AGENTE, Role.CURADOR) and codes:  # a curador may be scoped to areas
            raise Invalid("areas_solo_para_agente")
        return parsed, codes

    @staticmethod
    def _check_name(name: str) -> str:
        cleaned = " ".join(clean_text(name).split())
        if not cleaned or len(cleaned) > MAX_NAME_CHARS:
            raise Invalid("nombre_invalido")
        return cleaned

    def _hash(self, password: str) -> str:
        try:
            return self.hasher.hash(password)
        except WeakPassword as exc:
            raise Invalid(f"clave_{exc.reason}") from None

    # -- admin operations
    def create_agent(
        self, *, email: str, name: str, role: str, password: str, areas: Iterable[str] = ()
    ) -> AgentInfo:
        parsed_role, codes = self._check_role_areas(role, areas)
        agent = Agent(
            email=normalise_email(email), name=self._check_name(name), role=parsed_role.value,
            password_hash=self._hash(password), active=True, failed_logins=0,
            created_at=self.clock(), updated_at=self.clock(),
        )
        try:
            with session_scope(self.database_url) as session:
                session.add(agent)
                session.flush()
                session.add_all(AgentArea(agent_id=agent.id, area_code=c) for c in codes)
                session.flush()
                return _info(session, agent)
        except IntegrityError:
            raise Invalid("email_existente") from None

    def list_agents(self) -> list[AgentInfo]:
        with session_scope(self.database_url) as session:
            agents = session.execute(select(Agent).order_by(Agent.name, Agent.id)).scalars()
            return [_info(session, a) for a in agents]

    def get_agent(self, agent_id: int) -> AgentInfo:
        with session_scope(self.database_url) as session:
            agent = session.get(Agent, agent_id)
            if agent is None:
                raise NotFound()
            return _info(session, agent)

    def update_agent(
        self,
        agent_id: int,
        *,
        actor: Principal,
        name: str | None = None,
        role: str | None = None,
        areas: Iterable[str] | None = None,
        active: bool | None = None,
        password: str | None = None,
    ) -> AgentInfo:
        with session_scope(self.database_url) as session:
            agent = session.get(Agent, agent_id)
            if agent is None:
                raise NotFound()
            new_role = role if role is not None else agent.role
            new_areas = list(areas) if areas is not None else (
                list(_areas_of(session, agent.id)) if new_role in (Role.AGENTE.value, Role.CURADOR.value) else []
            )
            parsed_role, codes = self._check_role_areas(new_role, new_areas)
            still_admin = parsed_role is Role.ADMIN and (active if active is not None else agent.active)
            if agent.role == Role.ADMIN.value and not still_admin:
                self._keep_one_admin(session, agent.id, actor)
            if name is not None:
                agent.name = self._check_name(name)
            if password is not None:
                agent.password_hash = self._hash(password)
                self._revoke_all(session, agent.id)
            if active is not None:
                agent.active = bool(active)
                if not agent.active:
                    self._revoke_all(session, agent.id)
                else:
                    agent.failed_logins, agent.locked_until = 0, None
            agent.role = parsed_role.value
            agent.updated_at = self.clock()
            session.execute(delete(AgentArea).where(AgentArea.agent_id == agent.id))
            session.add_all(AgentArea(agent_id=agent.id, area_code=c) for c in codes)
            session.flush()
            return _info(session, agent)

    @staticmethod
    def _keep_one_admin(session: Session, agent_id: int, actor: Principal) -> None:
        others = session.execute(
            select(func.count(Agent.id)).where(Agent.role == Role.ADMIN.value, Agent.active.is_(True), Agent.id != agent_id)
        ).scalar_one()
        if others == 0:
            raise Forbidden("ultimo_admin")

    def _revoke_all(self, session: Session, agent_id: int) -> None:
        session.execute(
            update(AgentToken)
            .where(AgentToken.agent_id == agent_id, AgentToken.revoked_at.is_(None))
            .values(revoked_at=self.clock())
            .execution_options(synchronize_session=False)
        )

    def count_admins(self) -> int:
        with session_scope(self.database_url) as session:
            stmt = select(func.count(Agent.id)).where(Agent.role == Role.ADMIN.value, Agent.active.is_(True))
            return session.execute(stmt).scalar_one()

    # -- sessions
    def login(self, *, email: str, password: str) -> LoginResult:
        now = self.clock()
        try:
            address = normalise_email(email)
        except Invalid:
            address = ""
        with session_scope(self.database_url) as session:
            agent = session.execute(select(Agent).where(Agent.email == address)).scalar_one_or_none() if address else None
            usable = agent is not None and agent.active
            ok = self.hasher.verify(password or "", agent.password_hash if usable else None)
            if not ok:
                if usable:
                    agent.failed_logins += 1  # kept for the record; never locks the account
                session.commit()
                raise Unauthenticated("credenciales_invalidas")
            if self.hasher.needs_rehash(agent.password_hash):
                agent.password_hash = self.hasher.rehash(password)
            agent.failed_logins, agent.locked_until, agent.last_login_at = 0, None, now
            token = new_token()
            expires = now + timedelta(hours=self.token_hours)
            session.add(AgentToken(agent_id=agent.id, token_hash=token_digest(token), created_at=now, expires_at=expires))
            session.flush()
            return LoginResult(token=token, expires_at=expires, principal=_principal(session, agent))

    def principal_for_token(self, token: str | None) -> Principal:
        if not token:
            raise Unauthenticated("sin_sesion")
        now = self.clock()
        with session_scope(self.database_url) as session:
            row = session.execute(
                select(AgentToken, Agent)
                .join(Agent, Agent.id == AgentToken.agent_id)
                .where(AgentToken.token_hash == token_digest(token))
            ).first()
            if row is None:
                raise Unauthenticated("sesion_invalida")
            stored, agent = row
            if stored.revoked_at is not None or stored.expires_at <= now or not agent.active:
                raise Unauthenticated("sesion_invalida")
            return _principal(session, agent)

    def logout(self, token: str) -> None:
        with session_scope(self.database_url) as session:
            session.execute(
                update(AgentToken)
                .where(AgentToken.token_hash == token_digest(token), AgentToken.revoked_at.is_(None))
                .values(revoked_at=self.clock())
                .execution_options(synchronize_session=False)
            )
