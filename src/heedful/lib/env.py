"""Typed readers for settings that come from environment variables.

Every reader fails loudly with :class:`ConfigError`, naming the variable, so a
bad value stops the program at start instead of surfacing later as a strange bug.
A secret may also be given as ``NAME_FILE`` pointing at a file that holds it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is not None:
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_name!r}: {exc.strerror}") from exc
    return None


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).strip()
    if value not in choices:
        raise ConfigError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}: expected a boolean (true/false, 1/0), got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {number}")
    return number


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise ConfigError(
            f"{name}: expected a URL starting with {' or '.join(schemes)}, got {value!r}"
        )
    return value


def env_time_zone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}: unknown time zone {value!r} (use e.g. Europe/Berlin)") from None
    return value


def secret_key(name: str, key_file: Path) -> str:
    """Return the secret from the environment, or from a key file generated on first use."""
    value = _raw(name)
    if value is not None:
        if len(value) < 32:
            raise ConfigError(f"{name}: must be at least 32 characters long")
        return value
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(50)
    key_file.write_text(generated)
    key_file.chmod(0o600)
    return generated
