from __future__ import annotations

from pathlib import Path

import pytest

from heedful.lib import env
from heedful.lib.env import ConfigError


def test_it_reads_typed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    assert env.env_bool("X_BOOL", False) is True
    assert env.env_int("X_INT", 1) == 42
    assert env.env_str("X_MISSING", "fallback") == "fallback"


@pytest.mark.parametrize(
    ("name", "value", "call", "message"),
    [
        ("X_BOOL", "maybe", lambda: env.env_bool("X_BOOL", False), "X_BOOL: expected a boolean"),
        ("X_INT", "ten", lambda: env.env_int("X_INT", 1), "X_INT: expected an integer"),
        ("X_INT", "0", lambda: env.env_int("X_INT", 1, minimum=1), "X_INT: must be at least 1"),
        (
            "TIME_ZONE",
            "Mars/Base",
            lambda: env.env_time_zone("TIME_ZONE", "UTC"),
            "TIME_ZONE: unknown",
        ),
        (
            "HEEDFUL_BASE_URL",
            "ftp://x",
            lambda: env.env_url("HEEDFUL_BASE_URL", "", schemes=("http", "https")),
            "HEEDFUL_BASE_URL: expected a URL",
        ),
    ],
)
def test_it_names_the_variable_on_bad_values(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, call: object, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as excinfo:
        call()  # type: ignore[operator]
    assert str(excinfo.value).startswith(message)


def test_it_reads_secrets_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s" * 40 + "\n")
    monkeypatch.delenv("MY_SECRET", raising=False)
    monkeypatch.setenv("MY_SECRET_FILE", str(secret))
    assert env.secret_key("MY_SECRET", tmp_path / "unused") == "s" * 40


def test_it_generates_a_key_file_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MY_SECRET", raising=False)
    key_file = tmp_path / "var" / "secret_key"
    first = env.secret_key("MY_SECRET", key_file)
    assert len(first) >= 50
    assert env.secret_key("MY_SECRET", key_file) == first
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_it_rejects_short_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MY_SECRET", "short")
    with pytest.raises(ConfigError, match="MY_SECRET: must be at least 32 characters"):
        env.secret_key("MY_SECRET", tmp_path / "k")


def test_it_names_the_variable_of_a_bad_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEEDFUL_MAIL_REPLY_TO_CLOSED", "sometimes")

    with pytest.raises(ConfigError) as raised:
        env.env_choice("HEEDFUL_MAIL_REPLY_TO_CLOSED", "follow_up", ("follow_up", "reopen"))

    assert str(raised.value) == (
        "HEEDFUL_MAIL_REPLY_TO_CLOSED: expected one of follow_up, reopen, got 'sometimes'"
    )
    monkeypatch.setenv("HEEDFUL_MAIL_REPLY_TO_CLOSED", "reopen")
    assert env.env_choice("HEEDFUL_MAIL_REPLY_TO_CLOSED", "follow_up", ("follow_up", "reopen")) == (
        "reopen"
    )
