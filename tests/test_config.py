"""Settings: defaults, and one clear line per bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.runtime.config import DEFAULT_API_URL, ConfigError, load_settings


def test_defaults() -> None:
    settings = load_settings({}, None)
    assert settings.bot_token is None
    assert settings.telegram_api_url == DEFAULT_API_URL
    assert settings.database_url.startswith("sqlite:///")
    assert settings.default_language == "de"
    assert settings.timezone == "Europe/Berlin"
    assert settings.admin_ids == frozenset()


def test_values_are_read_and_env_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nBOT_TOKEN='123:abc-DEF_ghi'\nADMIN_IDS=1, 2\nDEFAULT_LANGUAGE=uk\n"
        "COUNSELLOR_CHAT_ID=-1001234\nTELEGRAM_API_URL=http://127.0.0.1:8081/\n",
        encoding="utf-8",
    )
    settings = load_settings({"DEFAULT_LANGUAGE": "ar"}, dotenv)
    assert settings.bot_token == "123:abc-DEF_ghi"
    assert settings.admin_ids == frozenset({1, 2})
    assert settings.counsellor_chat_id == -1001234
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.default_language == "ar"
    assert "abc-DEF" not in repr(settings)


def test_every_bad_value_is_reported_on_its_own_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            {
                "BOT_TOKEN": "not a token",
                "TELEGRAM_API_URL": "ftp://x",
                "DATABASE_URL": "mysql://x",
                "ADMIN_IDS": "1,abc",
                "COUNSELLOR_CHAT_ID": "group",
                "DEFAULT_LANGUAGE": "xx",
                "TIMEZONE": "Mars/Base",
            },
            None,
        )
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "BOT_TOKEN",
        "TELEGRAM_API_URL",
        "DATABASE_URL",
        "ADMIN_IDS",
        "COUNSELLOR_CHAT_ID",
        "DEFAULT_LANGUAGE",
        "TIMEZONE",
    ]
    assert all("\n" not in p for p in problems)
    assert "not a token" not in problems[0]  # a secret is not echoed


def test_cli_prints_config_errors_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIMEZONE", "Nowhere/City")
    with pytest.raises(SystemExit) as exit_info:
        main(["migrate"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        == "config error: TIMEZONE: 'Nowhere/City' is not a known time zone such as Europe/Berlin"
    )


def test_the_webhook_shares_the_one_http_port() -> None:
    webhook = {"WEBHOOK_URL": "https://bot.example.org/tg", "WEBHOOK_SECRET": "s" * 20}
    assert load_settings(webhook, None).health_port == 8080
    with pytest.raises(ConfigError) as off:
        load_settings({**webhook, "HEALTH_PORT": "0"}, None)
    assert any(line.startswith("HEALTH_PORT") for line in off.value.problems)
    with pytest.raises(ConfigError) as old:
        load_settings({"WEBHOOK_PORT": "8443"}, None)
    assert any("no longer used" in line for line in old.value.problems)
