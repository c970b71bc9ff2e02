"""All configuration, read from environment variables in one place.

Every setting has a safe local default so `make run` works with no accounts. A bad value
stops start-up with an error that names the variable, rather than failing later mid-message.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.policy.hours import WorkingHours

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


# When link workers are there, in the order WorkingHours.parse takes them (bot/policy/hours.py).
WORKING_DEFAULTS = {"WORKING_DAYS": "Mon-Fri", "WORKING_HOURS": "09:00-17:00", "WORKING_TIMEZONE": "Europe/London",
                    "BANK_HOLIDAYS": "england"}


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the environment variable."""


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = _env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = _env(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = _env(name, "1" if default else "0").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _url(name: str, default: str) -> str:
    raw = _env(name, default).rstrip("/")
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw


def _urls(name: str, default: str) -> str:
    """One or more http(s) URLs, comma-separated (several Rasa servers)."""
    raw = _env(name, default)
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts:
        raise ConfigError(f"{name} must list at least one http(s) URL")
    checked = []
    for part in parts:
        parsed = urlparse(part)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ConfigError(f"{name} must be http(s) URLs separated by commas, got {part!r}")
        checked.append(part.rstrip("/"))
    return ",".join(checked)


def _clock(name: str, default: str) -> str:
    """A local time of day as HH:MM (24-hour clock)."""
    raw = _env(name, default).strip()
    try:
        hours, minutes = (int(part) for part in raw.split(":"))
    except ValueError:
        raise ConfigError(f"{name} must be a time like 10:00, got {raw!r}") from None
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ConfigError(f"{name} must be a time like 10:00, got {raw!r}")
    return f"{hours:02d}:{minutes:02d}"


def _weeks(name: str, default: str) -> str:
    """Check-in weeks after the goal is set, e.g. 2,6,12 (rising, each at least 1)."""
    raw = _env(name, default)
    try:
        weeks = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{name} must be whole weeks separated by commas, like 2,6,12; got {raw!r}") from None
    if not weeks or any(w < 1 for w in weeks) or weeks != sorted(set(weeks)):
        raise ConfigError(f"{name} must be rising whole weeks of at least 1, like 2,6,12; got {raw!r}")
    return ",".join(str(w) for w in weeks)


def _notice_version(name: str, default: str) -> str:
    """A short label for the privacy notice, like 2026-12 (stored with every consent answer)."""
    raw = _env(name, default).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}", raw):
        raise ConfigError(f"{name} must be a short label of letters, digits, dots or dashes, like 2026-12; got {raw!r}")
    return raw


def _redis_url(name: str) -> str:
    raw = _env(name, "")
    if raw and not raw.startswith(("redis://", "rediss://")):
        raise ConfigError(f"{name} must be a redis:// URL or empty, got {raw.split(':', 1)[0]!r}")
    return raw


def _database_url(name: str, default: str) -> str:
    raw = _env(name, default)
    if not (raw.startswith("sqlite") or raw.startswith("postgresql")):
        raise ConfigError(f"{name} must be a sqlite:/// or postgresql:// URL, got {raw.split(':', 1)[0]!r}")
    return raw


def _secret(name: str, default_file: Path) -> str:
    """A secret from the environment, else one generated once and kept under var/."""
    value = os.environ.get(name)
    if value:
        if len(value) < 16:
            raise ConfigError(f"{name} must be at least 16 characters long")
        return value
    if default_file.exists():
        return default_file.read_text().strip()
    default_file.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    default_file.write_text(value)
    default_file.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    rasa_url: str  # one or more Rasa servers, comma-separated; conversations are spread over them
    rasa_tracker_db: str  # the one setting for Rasa's tracker store, read by Rasa and by the app
    action_server_url: str
    app_host: str
    app_port: int
    public_url: str
    secret_key: str
    secure_cookies: bool
    rasa_timeout_seconds: float
    rasa_retry_seconds: float
    outbox_max_attempts: int
    follow_up_interval_seconds: float
    rate_limit_per_minute: int
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_from_number: str
    twilio_api_base: str
    telegram_bot_token: str
    telegram_secret_token: str
    telegram_api_base: str
    log_level: str
    unverified_flag_months: int
    unverified_grace_months: int
    demo_mode: bool
    # Defaults here too, so code that builds Settings by hand keeps working.
    outcomes_min_cell: int = 5
    retention_no_consent_hours: int = 24
    retention_message_days: int = 30
    retention_interval_seconds: float = 3600.0
    # Consenting people's goals and outcomes are detached from them (pseudonymised) this long after
    # the last of them was recorded (bot/records/pseudonyms.py).
    pseudonymise_after_days: int = 365
    # Rasa's lock store: empty = in memory (one Rasa server); redis://... when several share a store.
    rasa_lock_store_url: str = ""
    # Check-ins: a series per goal (weeks after it is set; the person picks when the first comes),
    # sent only inside these hours on the London clock, once reminded, then closed as no response.
    follow_up_weeks: str = "2,6,12"
    follow_up_window_start: str = "10:00"
    follow_up_window_end: str = "19:00"
    follow_up_sundays: bool = False
    follow_up_bank_holidays: bool = False
    follow_up_reminder_days: int = 3
    follow_up_no_response_days: int = 4
    follow_up_quiet_minutes: int = 30
    follow_up_claim_seconds: int = 300
    # When link workers are there (bot/policy/hours.py), so texts say when a flag will be seen.
    working_days: str = "Mon-Fri"
    working_hours: str = "09:00-17:00"
    working_timezone: str = "Europe/London"
    bank_holidays: str = "england"
    duty_contact: str = ""  # "channel:address" (sms:+447700900123) alerted when an urgent flag is raised out of hours
    safety_alert_after_seconds: float = 600.0  # a safety text failing this long raises a flag
    # PostgreSQL only: connections each app process keeps for per-person advisory locks, which also
    # caps how many conversations one process has at Rasa at once (docs/deployment.md).
    person_lock_connections: int = 16
    # Turns one app process has at each Rasa server at once; the rest wait in the process, oldest
    # first (bot/dialogue/rasa_client.py). A Rasa server does one turn at a time on its CPU, so a
    # few at once keep it busy and more only make each slower.
    rasa_concurrency: int = 8
    # A turn Rasa has been working on this long gets the holding reply once, and the app goes on
    # waiting for it, up to RASA_TIMEOUT_SECONDS: a busy Rasa is not a down one, and giving up on a
    # turn Rasa is working on only makes Rasa do it again.
    holding_reply_seconds: float = 15.0
    twilio_timeout_seconds: float = 15.0
    # How long a process's claim on an outbox message lasts: longer than any one send, and how long
    # a crashed process's messages wait before another process sends them.
    outbox_lease_seconds: float = 120.0
    # True when PUBLIC_URL was set: only then does the API advertise absolute URLs.
    public_url_given: bool = False
    # Console logins: sessions end after this long, or after this long unused.
    console_session_hours: int = 8
    console_idle_minutes: int = 60
    # Failed logins within the window lock the account (or client address) for the lock time.
    login_max_failures: int = 10
    login_address_max_failures: int = 30
    login_window_minutes: int = 15
    login_lock_minutes: int = 15
    # Largest request body accepted (webhooks, web chat, console forms); larger is a 413.
    max_request_bytes: int = 64 * 1024
    # Shared token the action server asks of every call (Rasa sends it as ?token=); empty: none.
    action_server_token: str = ""
    # The privacy notice in force; each consent answer records it, and a person whose "yes" was to
    # an older one is asked once again at their next contact (bot/records/consent.notice_due).
    privacy_notice_version: str = "2026-12"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from_number)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token and self.telegram_secret_token)


def load_settings() -> Settings:
    """Read and check every setting; raise ConfigError naming the first bad one."""
    port = _int("APP_PORT", 8000, minimum=1)
    host = _env("APP_HOST", "127.0.0.1")
    log_level = _env("LOG_LEVEL", "INFO").upper()
    window = (_clock("FOLLOW_UP_WINDOW_START", "10:00"), _clock("FOLLOW_UP_WINDOW_END", "19:00"))
    if window[1] <= window[0]:
        raise ConfigError(f"FOLLOW_UP_WINDOW_END must be after FOLLOW_UP_WINDOW_START, got {window[0]}-{window[1]}")
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    working = {name: _env(name, default) for name, default in WORKING_DEFAULTS.items()}
    for name, value in working.items():  # one at a time, so the error names the setting that is wrong
        try:
            WorkingHours.parse(*{**WORKING_DEFAULTS, name: value}.values())
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None
    working_days, working_hours, working_timezone, bank_holidays = working.values()
    duty_contact = _env("DUTY_CONTACT", "").replace(" ", "")
    if duty_contact and not re.fullmatch(r"[a-z_]+:\S+", duty_contact):
        raise ConfigError("DUTY_CONTACT must be a channel and an address, like sms:+447700900123")
    public_url = _url("PUBLIC_URL", f"http://{host}:{port}")
    secure_cookies = _bool("SECURE_COOKIES", public_url.startswith("https://"))
    if public_url.startswith("https://") and not secure_cookies:
        raise ConfigError("SECURE_COOKIES cannot be off when PUBLIC_URL is https: "
                          "the console cookie would be sent over plain http")
    token = _env("ACTION_SERVER_TOKEN", "")
    if token and len(token) < 16:
        raise ConfigError("ACTION_SERVER_TOKEN must be at least 16 characters long")
    return Settings(
        database_url=_database_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'community_connect.db'}"),
        rasa_url=_urls("RASA_URL", "http://127.0.0.1:5005"),
        rasa_tracker_db=_database_url("RASA_TRACKER_DB_URL", f"sqlite:///{VAR_DIR / 'rasa_tracker.db'}"),
        action_server_url=_url("ACTION_SERVER_URL", "http://127.0.0.1:5055"),
        app_host=host,
        app_port=port,
        public_url=public_url,
        secret_key=_secret("SECRET_KEY", VAR_DIR / "secret_key"),
        secure_cookies=secure_cookies,
        rasa_timeout_seconds=_float("RASA_TIMEOUT_SECONDS", 60.0, minimum=0.1),
        rasa_retry_seconds=_float("RASA_RETRY_SECONDS", 2.0, minimum=0.05),
        outbox_max_attempts=_int("OUTBOX_MAX_ATTEMPTS", 8, minimum=1),
        follow_up_interval_seconds=_float("FOLLOW_UP_INTERVAL_SECONDS", 300.0, minimum=1.0),
        rate_limit_per_minute=_int("RATE_LIMIT_PER_MINUTE", 20, minimum=1),
        twilio_account_sid=_env("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=_env("TWILIO_AUTH_TOKEN", ""),
        twilio_from_number=_env("TWILIO_FROM_NUMBER", ""),
        twilio_api_base=_url("TWILIO_API_BASE", "https://api.twilio.com"),
        telegram_bot_token=_env("TELEGRAM_BOT_TOKEN", ""),
        telegram_secret_token=_env("TELEGRAM_SECRET_TOKEN", ""),
        telegram_api_base=_url("TELEGRAM_API_BASE", "https://api.telegram.org"),
        log_level=log_level,
        unverified_flag_months=_int("UNVERIFIED_FLAG_MONTHS", 6, minimum=1),
        unverified_grace_months=_int("UNVERIFIED_GRACE_MONTHS", 3, minimum=0),
        # Demo logins and made-up people: off unless asked for (`make run` turns it on).
        demo_mode=_bool("DEMO_MODE", False),
        # Outcome cells from fewer people than this are hidden (2 at least: 1 would show individuals).
        outcomes_min_cell=_int("OUTCOMES_MIN_CELL", 5, minimum=2),
        # Conversations of people who did not agree to keep data go after this long idle.
        retention_no_consent_hours=_int("RETENTION_NO_CONSENT_HOURS", 24, minimum=1),
        # Everyone's answered or delivered messages and idle Rasa conversations go after this long.
        retention_message_days=_int("RETENTION_MESSAGE_DAYS", 30, minimum=1),
        retention_interval_seconds=_float("RETENTION_INTERVAL_SECONDS", 3600.0, minimum=1.0),
        # A year after a journey's last goal, check-in or score, it is kept only under a pseudonym.
        pseudonymise_after_days=_int("PSEUDONYMISE_AFTER_DAYS", 365, minimum=1),
        rasa_lock_store_url=_redis_url("RASA_LOCK_STORE_URL"),
        follow_up_weeks=_weeks("FOLLOW_UP_WEEKS", "2,6,12"),
        follow_up_window_start=window[0],
        follow_up_window_end=window[1],
        # Off by default: no check-ins on Sundays or bank holidays in England.
        follow_up_sundays=_bool("FOLLOW_UP_SUNDAYS", False),
        follow_up_bank_holidays=_bool("FOLLOW_UP_BANK_HOLIDAYS", False),
        # One reminder this many days after an unanswered check-in; closed as no response this
        # many days after the reminder.
        follow_up_reminder_days=_int("FOLLOW_UP_REMINDER_DAYS", 3, minimum=1),
        follow_up_no_response_days=_int("FOLLOW_UP_NO_RESPONSE_DAYS", 4, minimum=1),
        # Not sent while the person is mid-conversation: nothing from them for this long.
        follow_up_quiet_minutes=_int("FOLLOW_UP_QUIET_MINUTES", 30, minimum=0),
        # A sender's claim on a check-in lapses after this long, so a crashed sender's is retaken.
        follow_up_claim_seconds=_int("FOLLOW_UP_CLAIM_SECONDS", 300, minimum=5),
        working_days=working_days, working_hours=working_hours, working_timezone=working_timezone,
        bank_holidays=bank_holidays, duty_contact=duty_contact,
        # Ten minutes by default: long enough for a provider blip, short enough for a person in danger.
        safety_alert_after_seconds=_float("SAFETY_ALERT_AFTER_SECONDS", 600.0, minimum=1.0),
        person_lock_connections=_int("PERSON_LOCK_CONNECTIONS", 16, minimum=1),
        rasa_concurrency=_int("RASA_CONCURRENCY", 8, minimum=1),
        holding_reply_seconds=_float("HOLDING_REPLY_SECONDS", 15.0, minimum=0.1),
        twilio_timeout_seconds=_float("TWILIO_TIMEOUT_SECONDS", 15.0, minimum=0.1),
        outbox_lease_seconds=_float("OUTBOX_LEASE_SECONDS", 120.0, minimum=1.0),
        public_url_given=bool(os.environ.get("PUBLIC_URL")),
        console_session_hours=_int("CONSOLE_SESSION_HOURS", 8, minimum=1),
        console_idle_minutes=_int("CONSOLE_IDLE_MINUTES", 60, minimum=1),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 10, minimum=1),
        login_address_max_failures=_int("LOGIN_ADDRESS_MAX_FAILURES", 30, minimum=1),
        login_window_minutes=_int("LOGIN_WINDOW_MINUTES", 15, minimum=1),
        login_lock_minutes=_int("LOGIN_LOCK_MINUTES", 15, minimum=1),
        max_request_bytes=_int("MAX_REQUEST_BYTES", 64 * 1024, minimum=1024),
        action_server_token=token,
        privacy_notice_version=_notice_version("PRIVACY_NOTICE_VERSION", "2026-12"),
    )
