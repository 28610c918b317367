"""Server settings from ``PHOTOCHECK_*`` environment variables, and the rule for starting."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from photocheck.profiles import BUILTIN

MiB = 1024 * 1024


class ConfigError(RuntimeError):
    """The server settings do not allow it to start (e.g. no API keys and auth not disabled)."""


def _default_workers() -> int:
    return os.cpu_count() or 1


class Settings(BaseSettings):
    """Server settings, from ``PHOTOCHECK_<NAME>`` environment variables.

    Attributes
    ----------
    api_keys : str
        Comma-separated API keys (``PHOTOCHECK_API_KEYS``).
    api_keys_file : Path or None
        A file with one key per line, ``#`` comments allowed (``PHOTOCHECK_API_KEYS_FILE``).
    auth : ``enabled`` or ``disabled``
        ``disabled`` runs without keys; otherwise the server refuses to start without any key.
    max_body_bytes : int
        Largest request body; 10 MiB by default, above the 7 MB upload rule so an oversized
        upload still gets a ``file.bytes_too_large`` finding rather than a bare 413.
    workers : int
        Checks running at once (default: the number of CPU cores).
    queue : int
        Admitted requests waiting for a worker (default: 4 × workers); beyond → 503.
    timeout_s : float
        Per-request time limit in seconds, queueing included (default 30); beyond → 504.
    default_profile : str
        Profile used when a request names none (``booth``).
    profiles : str
        Comma-separated profiles served (default: all built-in ones).
    retry_after_s : int
        ``Retry-After`` seconds sent with 503.
    """

    model_config = SettingsConfigDict(env_prefix="PHOTOCHECK_", extra="ignore")

    api_keys: str = ""
    api_keys_file: Path | None = None
    auth: Literal["enabled", "disabled"] = "enabled"
    max_body_bytes: int = Field(default=10 * MiB, gt=0)
    workers: int = Field(default_factory=_default_workers, ge=1)
    queue: int | None = Field(default=None, ge=0)
    timeout_s: float = Field(default=30.0, gt=0)
    default_profile: str = "booth"
    profiles: str = ",".join(BUILTIN)
    retry_after_s: int = Field(default=1, ge=0)

    @field_validator("auth", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def queue_length(self) -> int:
        """Waiting slots (``queue``, or 4 × workers when unset)."""
        return self.queue if self.queue is not None else 4 * self.workers

    def profile_names(self) -> tuple[str, ...]:
        """The profiles this server offers, in the order given."""
        names = [n.strip() for n in self.profiles.split(",") if n.strip()]
        return tuple(dict.fromkeys(names))

    def keys(self) -> tuple[str, ...]:
        """Every configured API key (environment list plus key file), de-duplicated.

        Raises
        ------
        ConfigError
            When the key file cannot be read.
        """
        keys = [k.strip() for k in self.api_keys.split(",") if k.strip()]
        if self.api_keys_file is not None:
            try:
                text = Path(self.api_keys_file).read_text("utf-8")
            except OSError as exc:
                raise ConfigError(
                    f"cannot read PHOTOCHECK_API_KEYS_FILE {self.api_keys_file}: {exc}"
                ) from exc
            for line in text.splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    keys.append(line)
        return tuple(dict.fromkeys(keys))


def check_settings(settings: Settings) -> tuple[str, ...]:
    """The configured keys, or :class:`ConfigError` when the server must not start.

    Parameters
    ----------
    settings : Settings
        The server settings.

    Returns
    -------
    tuple of str
        Every configured API key (empty only when auth is disabled).

    Raises
    ------
    ConfigError
        When auth is enabled and no key is configured, or the key file cannot be read.
    """
    keys = settings.keys()
    if settings.auth == "enabled" and not keys:
        raise ConfigError(
            "no API keys configured: set PHOTOCHECK_API_KEYS (comma-separated) or "
            "PHOTOCHECK_API_KEYS_FILE, or PHOTOCHECK_AUTH=disabled to run without authentication")
    return keys
