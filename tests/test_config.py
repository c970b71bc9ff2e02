import pytest

from bot.config import ConfigError, load_settings


def test_defaults_work_with_no_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.app_host == "127.0.0.1"
    assert not settings.twilio_enabled and not settings.telegram_enabled


@pytest.mark.parametrize(
    "name,value",
    [("APP_PORT", "eighty"), ("RASA_URL", "localhost:5005"), ("DATABASE_URL", "mysql://x"), ("SECURE_COOKIES", "maybe"),
     ("SECRET_KEY", "short"), ("RASA_TIMEOUT_SECONDS", "-1"), ("LOG_LEVEL", "LOUD"), ("WORKING_HOURS", "9 till 5"),
     ("WORKING_HOURS", "17:00-09:00"), ("WORKING_DAYS", "Mon-Funday"), ("WORKING_TIMEZONE", "Mars/Olympus"),
     ("BANK_HOLIDAYS", "narnia"), ("DUTY_CONTACT", "07700 900123"), ("SAFETY_ALERT_AFTER_SECONDS", "0")],
)
def test_invalid_values_are_named(monkeypatch, name, value):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert name in str(err.value)


def test_outcome_and_retention_defaults(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    for name in ("OUTCOMES_MIN_CELL", "RETENTION_NO_CONSENT_HOURS", "RETENTION_MESSAGE_DAYS", "RETENTION_INTERVAL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.outcomes_min_cell == 5
    assert settings.retention_no_consent_hours == 24
    assert settings.retention_message_days == 30
    assert settings.retention_interval_seconds == 3600.0


def test_outcome_and_retention_settings_are_read(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("OUTCOMES_MIN_CELL", "10")
    monkeypatch.setenv("RETENTION_NO_CONSENT_HOURS", "6")
    monkeypatch.setenv("RETENTION_MESSAGE_DAYS", "90")
    monkeypatch.setenv("RETENTION_INTERVAL_SECONDS", "60")
    settings = load_settings()
    assert (settings.outcomes_min_cell, settings.retention_no_consent_hours) == (10, 6)
    assert (settings.retention_message_days, settings.retention_interval_seconds) == (90, 60.0)


@pytest.mark.parametrize(
    "name,value",
    [("OUTCOMES_MIN_CELL", "1"), ("OUTCOMES_MIN_CELL", "five"), ("RETENTION_NO_CONSENT_HOURS", "0"),
     ("RETENTION_MESSAGE_DAYS", "a month"), ("RETENTION_INTERVAL_SECONDS", "0.5")],
)
def test_invalid_outcome_and_retention_values_are_named(monkeypatch, name, value):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert name in str(err.value)


def test_working_hours_and_the_duty_contact_are_read(monkeypatch):
    from bot.policy.crisis import CrisisConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("WORKING_DAYS", "Mon-Thu,Sat")
    monkeypatch.setenv("WORKING_HOURS", "08:30-16:00")
    monkeypatch.setenv("DUTY_CONTACT", "sms:+44 7700 900123")
    monkeypatch.setenv("SAFETY_ALERT_AFTER_SECONDS", "5")
    config = CrisisConfig.from_settings(load_settings())
    assert config.hours.days == frozenset({0, 1, 2, 3, 5})
    assert config.hours.describe() == "Mondays, Tuesdays, Wednesdays, Thursdays, Saturdays, 8.30 to 4"
    assert config.duty_contact == ("sms", "+447700900123") and config.undelivered_after.total_seconds() == 5


def test_secure_cookies_follow_an_https_public_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("SECURE_COOKIES", raising=False)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    assert load_settings().secure_cookies is False
    monkeypatch.setenv("PUBLIC_URL", "https://connect.example.org")
    assert load_settings().secure_cookies is True
    monkeypatch.setenv("SECURE_COOKIES", "0")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "SECURE_COOKIES" in str(err.value) and "PUBLIC_URL" in str(err.value)


def test_the_action_server_token_must_be_long(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "short")
    with pytest.raises(ConfigError, match="ACTION_SERVER_TOKEN"):
        load_settings()
