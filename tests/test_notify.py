"""Sending a run's digest: a real local webhook receiver and a real local SMTP server.

The webhook tests post to pytest-httpserver; the e-mail tests send to aiosmtpd with a
STARTTLS certificate from a throwaway trustme CA. Every way a delivery can fail gives a
failed Notice with a clear line, never an exception, and never a secret.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tracker.cli import cli
from tracker.config import ConfigError, NotifySettings, Settings, load_config
from tracker.notify import MAX_WEBHOOK_TEXT_CHARS, send_digest, webhook_payload
from tracker.sources import known_kinds

# The receivers listen on loopback, which a real run refuses.
HTTP = Settings(contact="t@example.org", timeout_s=1.0, retries=3, backoff_s=0.01,
                per_host_delay_s=0.0, max_retry_after_s=5.0, allow_private_hosts=True)
TOKEN = "T0KEN/B0T/s3cr3tP4th"  # the secret part of a webhook URL
SUBJECT = "run 2026-12-07: 3 new figures"
TEXT = "# Digest\n\n- 3 new figures\n- source `deepstate` failing for 3 runs\n"
SUMMARY = {"new": 3, "failing": ["deepstate"]}
PASSWORD = "hunter2-pa55word"


def webhook(url: str, settings: NotifySettings | None = None, http: Settings = HTTP):
    settings = settings or NotifySettings(timeout_s=1.0)
    return send_digest(SUBJECT, TEXT, SUMMARY, settings, http, {"TRACKER_WEBHOOK_URL": url})


def free_port() -> int:
    """A port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- webhook -------------------------------------------------------------------------------

def test_text_webhook_posts_json_with_the_subject_and_digest(httpserver: HTTPServer):
    httpserver.expect_request(f"/{TOKEN}", method="POST").respond_with_data("ok")
    [notice] = webhook(httpserver.url_for(f"/{TOKEN}"))
    assert notice.channel == "webhook" and notice.ok, notice
    assert notice.detail == f"http://localhost:{httpserver.port}/...: HTTP 200"
    request, _ = httpserver.log[0]
    assert request.headers["Content-Type"].startswith("application/json")
    assert json.loads(request.get_data()) == {"text": f"[tracker] {SUBJECT}\n\n{TEXT}"}
    assert "t@example.org" in request.headers["User-Agent"]


def test_adaptive_card_webhook_posts_the_message_teams_workflows_want(httpserver: HTTPServer):
    httpserver.expect_request("/wf", method="POST").respond_with_data("", status=202)
    [notice] = webhook(httpserver.url_for("/wf"), NotifySettings(webhook_format="adaptive-card"))
    assert notice.ok and "HTTP 202" in notice.detail
    body = json.loads(httpserver.log[0][0].get_data())
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert [block["text"] for block in card["body"]] == [f"[tracker] {SUBJECT}", TEXT]
    assert all(block["wrap"] is True for block in card["body"])


def test_json_webhook_posts_the_summary(httpserver: HTTPServer):
    httpserver.expect_request("/j", method="POST").respond_with_data("ok")
    [notice] = webhook(httpserver.url_for("/j"), NotifySettings(webhook_format="json"))
    assert notice.ok
    assert json.loads(httpserver.log[0][0].get_data()) == {
        "subject": f"[tracker] {SUBJECT}", "text": TEXT, "summary": SUMMARY}


def test_a_long_digest_is_cut_for_chat_but_not_in_the_json():
    text = "- a line of the digest\n" * 2000
    posted = webhook_payload("text", "s", text, {})["text"]
    assert len(posted) < MAX_WEBHOOK_TEXT_CHARS + 200 and "digest cut at 20,000 of 46,000" in posted
    assert webhook_payload("json", "s", text, {})["text"] == text


def test_500_is_tried_twice_then_reported_without_the_token(httpserver: HTTPServer):
    httpserver.expect_request(f"/{TOKEN}").respond_with_data(
        f"internal error on /{TOKEN}", status=500)
    started = time.monotonic()
    [notice] = webhook(httpserver.url_for(f"/{TOKEN}"))
    assert not notice.ok
    assert "HTTP 500 after 2 attempts: internal error on" in notice.detail, notice.detail
    assert len(httpserver.log) == 2  # retries = 3 in [settings]: a webhook gets one retry at most
    assert "s3cr3t" not in str(notice) and "T0KEN" not in str(notice)
    assert time.monotonic() - started < 1.0


def test_retries_0_means_a_single_attempt(httpserver: HTTPServer):
    httpserver.expect_request("/w").respond_with_data("busy", status=503)
    [notice] = webhook(httpserver.url_for("/w"), http=Settings(**{**HTTP.__dict__, "retries": 0}))
    assert not notice.ok and notice.detail.endswith("HTTP 503: busy")
    assert len(httpserver.log) == 1


def test_client_error_is_not_retried(httpserver: HTTPServer):
    httpserver.expect_request("/w").respond_with_data("invalid_token", status=403)
    [notice] = webhook(httpserver.url_for("/w"))
    assert not notice.ok and notice.detail.endswith("HTTP 403: invalid_token")
    assert len(httpserver.log) == 1


def test_a_redirect_is_not_followed(httpserver: HTTPServer):
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/new")})
    httpserver.expect_request("/new").respond_with_data("ok")
    [notice] = webhook(httpserver.url_for("/old"))
    assert not notice.ok and "HTTP 302 (a redirect, not followed" in notice.detail
    assert [request.path for request, _ in httpserver.log] == ["/old"]


def test_a_receiver_slower_than_timeout_s_fails_once_without_a_repeat(httpserver: HTTPServer):
    calls: list[float] = []
    done = threading.Event()

    def slow(request):
        calls.append(time.monotonic())
        time.sleep(0.8)
        done.set()
        return Response("late")

    httpserver.expect_request(f"/{TOKEN}").respond_with_handler(slow)
    started = time.monotonic()
    [notice] = webhook(httpserver.url_for(f"/{TOKEN}"), NotifySettings(timeout_s=0.3))
    elapsed = time.monotonic() - started
    assert not notice.ok and "timed out after 0.3 s" in notice.detail, notice.detail
    assert "not repeated" in notice.detail and "s3cr3t" not in notice.detail
    assert 0.25 < elapsed < 0.75
    assert done.wait(2.0)
    time.sleep(0.3)  # a second attempt, had there been one, would have arrived by now
    assert len(calls) == 1


def test_connection_refused_is_tried_twice_and_said_plainly():
    port = free_port()
    [notice] = webhook(f"http://127.0.0.1:{port}/{TOKEN}")
    assert not notice.ok
    assert notice.detail == (f"http://127.0.0.1:{port}/...: could not connect "
                             "(Connection refused) after 2 attempts"), notice.detail


def test_a_webhook_on_a_private_address_is_refused_unless_allowed():
    strict = Settings(**{**HTTP.__dict__, "allow_private_hosts": False})
    [notice] = webhook(f"https://127.0.0.1:{free_port()}/{TOKEN}", http=strict)
    assert not notice.ok and "loopback address: refused" in notice.detail
    assert "s3cr3t" not in notice.detail


def test_a_plain_http_webhook_is_refused_for_a_public_host():
    strict = Settings(**{**HTTP.__dict__, "allow_private_hosts": False})
    [notice] = webhook(f"http://hooks.example.org/{TOKEN}", http=strict)
    assert not notice.ok and "its token would travel in clear" in notice.detail
    assert "s3cr3t" not in notice.detail and "hooks.example.org" not in notice.detail


@pytest.mark.parametrize("value", ["hooks.example.org/T0KEN/s3cr3t", "ftp://h/s3cr3t",
                                   "https:///s3cr3t", "https://h:99999/s3cr3t"])
def test_a_bad_url_in_the_environment_is_reported_without_repeating_it(value: str):
    [notice] = webhook(value)
    assert not notice.ok and "TRACKER_WEBHOOK_URL does not hold" in notice.detail
    assert "s3cr3t" not in notice.detail


def test_nothing_configured_sends_nothing():
    assert send_digest(SUBJECT, TEXT, SUMMARY, NotifySettings(), HTTP,
                       {"TRACKER_WEBHOOK_URL": "  "}) == []


# --- e-mail --------------------------------------------------------------------------------

class Recorder:
    """An aiosmtpd handler that keeps what it was sent and refuses some recipients."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.mail_from: list[str] = []
        self.messages: list[tuple[list[str], bytes, bool]] = []  # recipients, data, over TLS

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_from.append(address)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content, session.ssl is not None))
        return "250 Message accepted"


class Logins:
    """An authenticator taking one user and password, counting every attempt."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        self.attempts.append((mechanism, auth_data.login))
        accepted = auth_data.login == b"tracker" and auth_data.password == PASSWORD.encode()
        return AuthResult(success=accepted, handled=False)  # handled=False: the server answers 535


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def smtp(ca, tmp_path):
    """Start an SMTP server: smtp(handler, tls=True, **options) -> its NotifySettings."""
    controllers: list[Controller] = []
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    def start(handler, tls: bool = True, **options) -> NotifySettings:
        if tls:
            server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
            options.setdefault("tls_context", server_context)
            options.setdefault("require_starttls", True)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="tracker@example.org",
                              smtp_to=("desk@example.org", "editor@example.org"),
                              smtp_ca_file=ca_file, timeout_s=5.0)

    yield start
    for controller in controllers:
        controller.stop()


def email(settings: NotifySettings, environ: dict[str, str] | None = None):
    environ = {"TRACKER_SMTP_USER": "tracker", "TRACKER_SMTP_PASSWORD": PASSWORD} if environ is None else environ
    return send_digest(SUBJECT, TEXT, SUMMARY, settings, HTTP, environ)


def test_the_digest_goes_out_over_starttls_after_login(smtp):
    handler, logins = Recorder(), Logins()
    settings = smtp(handler, authenticator=logins)
    [notice] = email(settings)
    assert notice.channel == "email" and notice.ok, notice
    assert notice.detail == f"127.0.0.1:{settings.smtp_port}: sent to 2 address(es)"
    assert [login for _, login in logins.attempts] == [b"tracker"]
    [(recipients, data, over_tls)] = handler.messages
    assert over_tls
    assert recipients == ["desk@example.org", "editor@example.org"]
    message = message_from_bytes(data, policy=default_policy)
    assert message["Subject"] == f"[tracker] {SUBJECT}"
    assert message["From"] == "tracker@example.org"
    assert message["To"] == "desk@example.org, editor@example.org"
    assert message["Message-ID"].endswith("@example.org>") and message["Date"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content().replace("\r\n", "\n") == TEXT
    assert PASSWORD not in str(notice)


def test_without_credentials_it_sends_without_logging_in(smtp):
    handler = Recorder()
    [notice] = email(smtp(handler), environ={})
    assert notice.ok and len(handler.messages) == 1 and handler.messages[0][2]


def test_a_server_without_starttls_gets_nothing_not_even_the_password(smtp):
    handler, logins = Recorder(), Logins()
    # This server would take AUTH in clear: the client must not offer it.
    settings = smtp(handler, tls=False, authenticator=logins, auth_require_tls=False)
    [notice] = email(settings)
    assert not notice.ok and "does not offer STARTTLS: nothing sent" in notice.detail
    assert "in clear" in notice.detail
    assert logins.attempts == [] and handler.mail_from == [] and handler.messages == []


def test_an_untrusted_certificate_stops_the_mail(smtp):
    handler, logins = Recorder(), Logins()
    settings = smtp(handler, authenticator=logins)
    untrusting = NotifySettings(**{**settings.__dict__, "smtp_ca_file": None})  # the system's CAs
    [notice] = email(untrusting)
    assert not notice.ok and "TLS certificate is not trusted" in notice.detail
    assert "smtp_ca_file" in notice.detail
    assert logins.attempts == [] and handler.messages == []


def test_a_refused_login_is_reported_without_the_password(smtp):
    handler, logins = Recorder(), Logins()
    settings = smtp(handler, authenticator=logins)
    [notice] = email(settings, {"TRACKER_SMTP_USER": "tracker", "TRACKER_SMTP_PASSWORD": "wrong-pa55"})
    assert not notice.ok
    assert "login as the user in TRACKER_SMTP_USER refused (SMTP 535" in notice.detail, notice.detail
    assert "wrong-pa55" not in notice.detail
    # smtplib tries each mechanism the server offers (PLAIN, LOGIN) before giving up.
    assert {login for _, login in logins.attempts} == {b"tracker"} and handler.messages == []


def test_a_refused_recipient_is_named_with_the_servers_answer(smtp):
    handler = Recorder(refuse=frozenset({"desk@example.org", "editor@example.org"}))
    [notice] = email(smtp(handler), environ={})
    assert not notice.ok
    assert "SMTP 550 5.1.1 no such mailbox: refused recipient desk@example.org" in notice.detail
    assert notice.detail.endswith("nothing sent") and handler.messages == []


def test_one_refused_recipient_of_two_is_a_failure_that_says_who_got_it(smtp):
    handler = Recorder(refuse=frozenset({"editor@example.org"}))
    [notice] = email(smtp(handler), environ={})
    assert not notice.ok
    assert "sent to 1 of 2 address(es); SMTP 550 5.1.1 no such mailbox: refused recipient " \
           "editor@example.org" in notice.detail
    assert str(notice).startswith("email: failed (")
    assert [recipients for recipients, _, _ in handler.messages] == [["desk@example.org"]]


def test_half_the_credentials_is_refused_before_connecting(smtp):
    handler = Recorder()
    [notice] = email(smtp(handler), {"TRACKER_SMTP_USER": "tracker"})
    assert not notice.ok and "TRACKER_SMTP_USER is set but TRACKER_SMTP_PASSWORD is not" in notice.detail
    assert handler.mail_from == []


def test_no_smtp_server_listening():
    settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_from="t@example.org",
                              smtp_to=("d@example.org",), timeout_s=2.0)
    [notice] = email(settings, environ={})
    assert not notice.ok and notice.detail.endswith("could not connect (Connection refused)")


def test_a_server_that_never_answers_times_out():
    with socket.socket() as silent:  # listens, so the connection is made, but never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=silent.getsockname()[1],
                                  smtp_from="t@example.org", smtp_to=("d@example.org",), timeout_s=0.3)
        started = time.monotonic()
        [notice] = email(settings, environ={})
    assert not notice.ok and notice.detail.endswith("timed out after 0.3 s"), notice.detail
    assert time.monotonic() - started < 1.0


def test_both_channels_report_separately(smtp, httpserver: HTTPServer):
    httpserver.expect_request("/w").respond_with_data("no", status=500)
    settings = NotifySettings(**{**smtp(Recorder()).__dict__, "timeout_s": 1.0})
    notices = send_digest(SUBJECT, TEXT, SUMMARY, settings, HTTP,
                          {"TRACKER_WEBHOOK_URL": httpserver.url_for("/w")})
    assert [(n.channel, n.ok) for n in notices] == [("webhook", False), ("email", True)]


# --- [notify] in sources.toml --------------------------------------------------------------

SOURCE = '[[source]]\nid = "good"\nkind = "curated"\npath = "figures.csv"\n'


def load(tmp_path: Path, notify: str):
    path = tmp_path / "sources.toml"
    path.write_text(f"[notify]\n{notify}\n\n{SOURCE}", encoding="utf-8")
    return load_config(path, known_kinds())


def test_the_notify_table_is_read(tmp_path: Path):
    (tmp_path / "ca.pem").write_text("-", encoding="utf-8")
    notify = load(tmp_path, 'webhook_format = "adaptive-card"\nwebhook_url_env = "TEAMS_HOOK"\n'
                            'smtp_host = "smtp.example.org"\nsmtp_port = 2525\n'
                            'smtp_from = "tracker@example.org"\nsmtp_to = ["a@example.org", "b@example.org"]\n'
                            'smtp_ca_file = "ca.pem"\nsubject_prefix = "[desk]"\ntimeout_s = 5\n'
                            'failing_runs = 2').notify
    assert notify == NotifySettings(
        webhook_format="adaptive-card", webhook_url_env="TEAMS_HOOK", smtp_host="smtp.example.org",
        smtp_port=2525, smtp_from="tracker@example.org", smtp_to=("a@example.org", "b@example.org"),
        smtp_ca_file=tmp_path.resolve() / "ca.pem", subject_prefix="[desk]", timeout_s=5.0,
        failing_runs=2)
    assert notify.email_configured and notify.webhook_url({"TEAMS_HOOK": " https://h/x "}) == "https://h/x"


def test_without_a_notify_table_nothing_is_configured(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text(SOURCE, encoding="utf-8")
    notify = load_config(path, known_kinds()).notify
    assert notify == NotifySettings() and not notify.email_configured and notify.failing_runs == 3


@pytest.mark.parametrize("key, env", [
    ("webhook_url", "TRACKER_WEBHOOK_URL"), ("url", "TRACKER_WEBHOOK_URL"),
    ("smtp_password", "TRACKER_SMTP_PASSWORD"), ("password", "TRACKER_SMTP_PASSWORD"),
    ("token", "TRACKER_SMTP_PASSWORD"), ("smtp_user", "TRACKER_SMTP_USER"),
])
def test_a_secret_in_the_file_is_refused_with_the_variable_to_set(tmp_path: Path, key: str, env: str):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, f'{key} = "https://hooks.example.org/s3cr3t"')
    message = str(caught.value)
    assert f"[notify]: key {key!r}" in message and f"environment variable {env}" in message
    assert str(tmp_path) in message and "s3cr3t" not in message


def test_the_variable_named_in_the_file_is_the_one_the_message_asks_for(tmp_path: Path):
    with pytest.raises(ConfigError, match="set the environment variable TEAMS_HOOK"):
        load(tmp_path, 'webhook_url_env = "TEAMS_HOOK"\nwebhook_url = "https://x/y"')


@pytest.mark.parametrize("line, words", [
    ('webhook_format = "slack"', ["'webhook_format'", "text, adaptive-card, json"]),
    ("webhook_format = 1", ["'webhook_format'", "text in quotes"]),
    ('webhook_url_env = "https://hooks.example.org/s3cr3t"', ["'webhook_url_env'", "not its value"]),
    ('smtp_host = "smtp.example.org:587"', ["'smtp_host'", "smtp_port"]),
    ('smtp_host = "smtp.example.org"\nsmtp_from = "t@example.org"\nsmtp_to = "a@example.org"',
     ["'smtp_to'", "list of addresses"]),
    ('smtp_host = "smtp.example.org"\nsmtp_from = "t@example.org"\nsmtp_to = ["not an address"]',
     ["'smtp_to'", "plain e-mail addresses"]),
    ('smtp_to = ["a@example.org"]', ["smtp_to is set but smtp_host is not"]),
    ('smtp_host = "smtp.example.org"\nsmtp_from = "t@example.org"', ["smtp_host is set but smtp_to is not"]),
    ('smtp_host = "smtp.example.org"\nsmtp_to = ["a@example.org"]', ["smtp_from is needed"]),
    ('smtp_from = "Tracker <t@example.org>"', ["'smtp_from'", "plain e-mail address"]),
    ("smtp_port = 587.0", ["'smtp_port'", "whole number from 1 to 65535"]),
    ('smtp_port = "587"', ["'smtp_port'", "whole number"]),
    ("timeout_s = 0", ["'timeout_s'", "more than 0"]),
    ("timeout_s = nan", ["'timeout_s'"]),
    ("timeout_s = true", ["'timeout_s'"]),
    ("failing_runs = 0", ["'failing_runs'", "from 1 to 1000"]),
    ('subject_prefix = "a\\nBcc: x@y"', ["'subject_prefix'", "control characters"]),
    ('smtp_ca_file = "missing.pem"', ["'smtp_ca_file'", "no such file"]),
    ("colour = 1", ["unknown key(s) colour"]),
])
def test_bad_notify_values_are_refused(tmp_path: Path, line: str, words: list[str]):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, line)
    message = str(caught.value)
    assert str(tmp_path) in message and "[notify]" in message
    for word in words:
        assert word in message, (word, message)
    assert "s3cr3t" not in message


def test_tracker_sources_exits_2_on_a_secret_in_notify(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text(f'[notify]\nsmtp_password = "pw"\n\n{SOURCE}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["sources", "--sources", str(path)])
    assert result.exit_code == 2, result.output
    assert "TRACKER_SMTP_PASSWORD" in result.stderr and "Traceback" not in result.output
