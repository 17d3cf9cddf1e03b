"""Fallbacks when the conversation cannot take a notice: e-mail (SMTP) and WhatsApp template messages.

- :class:`Mailer`: ``SMTP_HOST``/``SMTP_PORT``/``SMTP_USER``/``SMTP_PASSWORD``/``SMTP_STARTTLS``/
  ``SMTP_SSL``/``SMTP_FROM``. The text of the e-mail is the domain response ``correo_respuesta_caso``
  of ``domain.yml`` (every sentence the user reads lives there): only that there is a reply, the
  case code and how to read it.
- :class:`WhatsAppTemplates`: an approved template message through the WhatsApp Cloud API client
  (``channels.whatsapp_api.GraphClient``), e.g. «Tiene una respuesta del Ministerio sobre el caso
  {{1}}» with the case code as parameter; name and language from ``WHATSAPP_TEMPLATE_*``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from typing import Any

from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)


class FallbackError(RuntimeError):
    pass


@lru_cache(maxsize=4)
def _domain_responses(path: str) -> dict:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return (yaml.safe_load(fh) or {}).get("responses") or {}


def domain_text(name: str, **values: Any) -> str:
    """The first variant of the domain response ``name`` with ``{placeholders}`` filled in."""
    variants = _domain_responses(str(PROJECT_ROOT / "domain.yml")).get(name) or []
    if not variants:
        raise KeyError(name)
    text = variants[0]["text"]
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    user: str = ""
    password: str = ""
    starttls: bool = True
    use_ssl: bool = False
    sender: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpConfig | None:
        d = getattr(settings, "delivery", None) or {}
        if not d.get("smtp_host") or not d.get("smtp_from"):
            return None
        return cls(host=d["smtp_host"], port=int(d.get("smtp_port", 587)), user=d.get("smtp_user", ""),
                   password=d.get("smtp_password", ""), starttls=bool(d.get("smtp_starttls", True)),
                   use_ssl=bool(d.get("smtp_ssl", False)), sender=d["smtp_from"],
                   timeout=float(d.get("smtp_timeout", 10.0)))


class Mailer:
    def __init__(self, config: SmtpConfig, *, public_url: str) -> None:
        self.config = config
        self.public_url = public_url.rstrip("/") + "/"

    def reply_waiting(self, *, to: str, code: str) -> None:
        """The e-mail «there is a reply to case CODE; how to read it» (nothing else about the case)."""
        message = EmailMessage()
        message["Subject"] = domain_text("utter_correo_respuesta_caso_asunto", codigo=code)
        message["From"] = self.config.sender
        message["To"] = to
        message["Message-ID"] = make_msgid(domain=self.config.sender.rsplit("@", 1)[-1] or None)
        message.set_content(domain_text("utter_correo_respuesta_caso", codigo=code, url=self.public_url))
        self.send(message)

    def send(self, message: EmailMessage) -> None:
        c = self.config
        try:
            if c.use_ssl:
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            with smtp:
                if c.starttls and not c.use_ssl:
                    smtp.ehlo()
                    if smtp.has_extn("starttls"):
                        smtp.starttls(context=ssl.create_default_context())
                        smtp.ehlo()
                    elif c.user:
                        raise FallbackError("smtp_sin_starttls")  # never send a password in clear text
                if c.user:
                    smtp.login(c.user, c.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise FallbackError(f"smtp: {type(exc).__name__}") from exc


@dataclass(frozen=True)
class TemplateConfig:
    access_token: str
    phone_number_id: str
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    language: str = "es"
    reply_template: str = ""
    event_template: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Any) -> TemplateConfig | None:
        d = getattr(settings, "delivery", None) or {}
        if not d.get("whatsapp_access_token") or not d.get("whatsapp_phone_number_id"):
            return None
        return cls(access_token=d["whatsapp_access_token"], phone_number_id=d["whatsapp_phone_number_id"],
                   base_url=d.get("whatsapp_api_base_url") or cls.base_url,
                   api_version=d.get("whatsapp_api_version") or cls.api_version,
                   language=d.get("whatsapp_template_language") or "es",
                   reply_template=d.get("whatsapp_template_reply", ""),
                   event_template=d.get("whatsapp_template_event", ""))


def template_payload(to: str, name: str, language: str, parameters: list[str]) -> dict:
    """A Cloud API template message (``type: template``) with body parameters {{1}}, {{2}}…"""
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in parameters]}
        ]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
            "template": template}


class WhatsAppTemplates:
    """Sends template messages with the project's Graph API client (one attempt; the dispatcher retries)."""

    def __init__(self, config: TemplateConfig) -> None:
        self.config = config

    def send_template(self, *, to: str, name: str, parameters: list[str]) -> str | None:
        import asyncio

        from channels.whatsapp_api import GraphClient, GraphConfig, WhatsAppSendError

        c = self.config
        client = GraphClient(GraphConfig(access_token=c.access_token, phone_number_id=c.phone_number_id,
                                         base_url=c.base_url, api_version=c.api_version, timeout=c.timeout,
                                         max_retries=0))

        async def send() -> dict:
            try:
                return await client.send(template_payload(to, name, c.language, parameters))
            finally:
                await client.close()

        try:
            body = asyncio.run(send())
        except WhatsAppSendError as exc:
            raise FallbackError(f"whatsapp: {exc}") from exc
        messages = body.get("messages") if isinstance(body, dict) else None
        return str(messages[0].get("id")) if messages and isinstance(messages[0], dict) else None
