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
     ("SECRET_KEY", "short"), ("RASA_TIMEOUT_SECONDS", "-1"), ("LOG_LEVEL", "LOUD")],
)
def test_invalid_values_are_named(monkeypatch, name, value):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert name in str(err.value)
