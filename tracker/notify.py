"""Send a run's digest to a webhook and by e-mail, as [notify] in sources.toml says.

Delivery never stops a run: each channel gives back a Notice (sent or not, and why), and
the caller prints it. Secrets come from the environment only, and no Notice repeats one: a
webhook URL is shown as its scheme and host (its path is the token), an SMTP login by the
name of the variable that holds it.

E-mail goes out only over TLS: the server must offer STARTTLS, and its certificate must be
trusted by the system's CAs (or by smtp_ca_file). A server that does not offer it gets
nothing, neither the password nor the digest.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from tracker.config import NotifySettings, Settings
from tracker.http import FetchError, HttpClient, Posted, redact_url

# Slack cuts a message at 40,000 characters and Teams refuses a card over about 28 KB;
# the e-mail carries the whole digest.
MAX_WEBHOOK_TEXT_CHARS = 20_000
MAX_SUBJECT_CHARS = 200
_ANSWER_CHARS = 200  # of a receiver's answer, in a failed Notice


@dataclass(frozen=True)
class Notice:
    """How one channel fared: "webhook" or "email", sent or not, and a line saying why."""

    channel: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{self.channel}: {'sent' if self.ok else 'failed'} ({self.detail})"


def send_digest(subject: str, text: str, summary: dict, settings: NotifySettings,
                http_settings: Settings, environ: Mapping[str, str]) -> list[Notice]:
    """Send the digest to every configured channel; one Notice each, none when none is set.

    `text` is the markdown digest, `summary` its JSON-able form (sent by the "json" webhook
    format). Never raises for a delivery failure: the run goes on and reports the Notice.
    """
    subject = full_subject(subject, settings)
    notices = []
    url = settings.webhook_url(environ)
    if url:
        notices.append(_send_webhook(url, subject, text, summary, settings, http_settings))
    if settings.email_configured:
        notices.append(_send_email(subject, text, settings, environ))
    return notices


def full_subject(subject: str, settings: NotifySettings) -> str:
    """The prefix and the subject on one line (a line break would forge headers), capped."""
    line = " ".join(f"{settings.subject_prefix} {subject}".split())
    return line if len(line) <= MAX_SUBJECT_CHARS else line[:MAX_SUBJECT_CHARS - 1] + "…"


# --- webhook ---------------------------------------------------------------------------------

def webhook_payload(webhook_format: str, subject: str, text: str, summary: dict) -> dict:
    """The JSON body for a webhook of the given format (see NotifySettings.webhook_format)."""
    if webhook_format == "json":
        return {"subject": subject, "text": text, "summary": summary}
    shown = _capped(text)
    if webhook_format == "adaptive-card":
        # The message a Teams Workflows webhook ("When a Teams webhook request is received")
        # posts as a card; TextBlock renders a subset of markdown (emphasis, lists, links).
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium",
                 "wrap": True},
                {"type": "TextBlock", "text": shown, "wrap": True},
            ],
        }
        return {"type": "message", "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
             "content": card}]}
    if webhook_format == "text":
        return {"text": f"{subject}\n\n{shown}"}
    raise ValueError(f"unknown webhook format {webhook_format!r}")


def _capped(text: str) -> str:
    if len(text) <= MAX_WEBHOOK_TEXT_CHARS:
        return text
    return (text[:MAX_WEBHOOK_TEXT_CHARS].rsplit("\n", 1)[0]
            + f"\n\n… (digest cut at {MAX_WEBHOOK_TEXT_CHARS:,} of {len(text):,} characters)")


def _send_webhook(url: str, subject: str, text: str, summary: dict, settings: NotifySettings,
                  http_settings: Settings) -> Notice:
    shown = redact_url(url)
    problem = _webhook_url_problem(url, settings, http_settings)
    if problem:
        return Notice("webhook", False, problem)
    payload = webhook_payload(settings.webhook_format, subject, text, summary)
    client = HttpClient(http_settings)
    try:
        posted = client.post_json(url, payload, timeout_s=settings.timeout_s)
    except FetchError as error:
        return Notice("webhook", False, str(error))  # FetchError from post_json is redacted
    finally:
        client.session.close()
    return Notice("webhook", posted.ok, f"{shown}: {_posted_text(posted, url)}")


def _webhook_url_problem(url: str, settings: NotifySettings, http_settings: Settings) -> str | None:
    """Why the URL in the environment cannot be posted to; the message never repeats it."""
    env = settings.webhook_url_env
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return f"{env} does not hold a valid URL"
    if parts.scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in url):
        return f"{env} does not hold an http(s) URL with a host"
    if parts.scheme.lower() == "http" and not http_settings.allow_private_hosts:
        # The token is in the URL: over plain HTTP anyone on the way can read and reuse it.
        return (f"{env} holds an http:// URL: refused, its token would travel in clear "
                "(use https://; plain http only with allow_private_hosts = true, for a local receiver)")
    return None


def _posted_text(posted: Posted, url: str) -> str:
    text = f"HTTP {posted.status}"
    if posted.attempts > 1:
        text += f" after {posted.attempts} attempts"
    if 300 <= posted.status < 400:
        text += " (a redirect, not followed for a POST: check the webhook URL)"
    elif not posted.ok:
        answer = _answer_text(posted.body, url)
        if answer:
            text += f": {answer}"
    return text


def _answer_text(body: bytes, url: str) -> str:
    """A receiver's answer on one line, cut short, with the URL's secret parts taken out
    (an error page may quote the path it was asked for)."""
    answer = " ".join(body.decode("utf-8", "replace").split())
    parts = urlsplit(url)
    secrets = [piece for piece in re.split(r"[/?&=]", f"{parts.path}?{parts.query}") if len(piece) >= 4]
    for piece in sorted(secrets, key=len, reverse=True):
        answer = answer.replace(piece, "…")
    return answer if len(answer) <= _ANSWER_CHARS else answer[:_ANSWER_CHARS - 1] + "…"


# --- e-mail ----------------------------------------------------------------------------------

def email_message(subject: str, text: str, settings: NotifySettings) -> EmailMessage:
    """The digest as a plain-text e-mail (the markdown reads fine as it is)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.smtp_to)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rsplit("@", 1)[-1])
    # RFC 3834: out-of-office and other robots do not answer a machine's mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message


def _send_email(subject: str, text: str, settings: NotifySettings,
                environ: Mapping[str, str]) -> Notice:
    user = environ.get(settings.smtp_user_env, "")
    password = environ.get(settings.smtp_password_env, "")
    if bool(user) != bool(password):
        have, lack = ((settings.smtp_user_env, settings.smtp_password_env) if user else
                      (settings.smtp_password_env, settings.smtp_user_env))
        return Notice("email", False, f"{have} is set but {lack} is not: set both to log in, "
                                      "or neither to send without logging in")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        context = ssl.create_default_context(
            cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None)
    except (OSError, ssl.SSLError) as error:
        return Notice("email", False, f"cannot read smtp_ca_file {settings.smtp_ca_file}: {error}")
    message = email_message(subject, text, settings)
    try:
        detail = _deliver(message, settings, context, user, password, where)
    except smtplib.SMTPRecipientsRefused as error:
        return Notice("email", False, f"{where}: {_refused_text(error.recipients)}; nothing sent")
    except smtplib.SMTPAuthenticationError as error:
        return Notice("email", False, f"{where}: login as the user in {settings.smtp_user_env} "
                                      f"refused ({_smtp_text(error.smtp_code, error.smtp_error)})")
    except smtplib.SMTPSenderRefused as error:
        return Notice("email", False, f"{where}: sender {settings.smtp_from} refused "
                                      f"({_smtp_text(error.smtp_code, error.smtp_error)})")
    except smtplib.SMTPNotSupportedError as error:
        return Notice("email", False, f"{where}: {error}")
    except smtplib.SMTPResponseException as error:
        return Notice("email", False, f"{where}: {_smtp_text(error.smtp_code, error.smtp_error)}")
    except smtplib.SMTPServerDisconnected as error:
        # smtplib reports a read that timed out as a disconnection.
        if isinstance(error.__context__, TimeoutError):
            return Notice("email", False, f"{where}: timed out after {settings.timeout_s:g} s")
        return Notice("email", False, f"{where}: the server closed the connection")
    except ssl.SSLCertVerificationError as error:
        return Notice("email", False, f"{where}: its TLS certificate is not trusted "
                                      f"({error.verify_message}); nothing sent (for a private CA, "
                                      "set smtp_ca_file)")
    except ssl.SSLError as error:
        return Notice("email", False, f"{where}: TLS failed ({error.reason or error}); nothing sent")
    except TimeoutError:
        return Notice("email", False, f"{where}: timed out after {settings.timeout_s:g} s")
    except OSError as error:
        return Notice("email", False, f"{where}: could not connect ({error.strerror or error})")
    except smtplib.SMTPException as error:
        return Notice("email", False, f"{where}: {error.__class__.__name__}: {error}")
    return Notice("email", detail is None, detail or f"{where}: sent to {len(settings.smtp_to)} "
                                                     f"address(es)")


def _deliver(message: EmailMessage, settings: NotifySettings, context: ssl.SSLContext,
             user: str, password: str, where: str) -> str | None:
    """Send over STARTTLS, logging in when credentials are given; None when every
    recipient took it, else what went wrong for some of them."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_s) as smtp:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            return (f"{where} does not offer STARTTLS: nothing sent (the tracker never sends "
                    "mail or a password in clear)")
        smtp.starttls(context=context)
        smtp.ehlo()
        if user:
            smtp.login(user, password)
        refused = smtp.send_message(message, from_addr=settings.smtp_from,
                                    to_addrs=list(settings.smtp_to))
    if refused:
        taken = len(settings.smtp_to) - len(refused)
        return f"{where}: sent to {taken} of {len(settings.smtp_to)} address(es); {_refused_text(refused)}"
    return None


def _refused_text(recipients: Mapping[str, tuple[int, bytes | str]]) -> str:
    return "; ".join(f"{_smtp_text(code, text)}: refused recipient {address}"
                     for address, (code, text) in sorted(recipients.items()))


def _smtp_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"SMTP {code} {text}".split())
