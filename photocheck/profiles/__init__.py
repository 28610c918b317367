"""Profiles: per-use thresholds in TOML (online, booth, mail), validated strictly at load time
against the parameter schema of the check table (:func:`photocheck.checks.schema`)."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from photocheck.checks import schema

BUILTIN = ("online", "booth", "mail")
_TOP_KEYS = {"name", "description", "extends", "upload_rules"}


class ProfileError(ValueError):
    """A profile is malformed: unknown section or key, missing key or wrong type."""


@dataclass(frozen=True)
class Profile:
    """A validated profile.

    Attributes
    ----------
    name : str
        ``online``, ``booth``, ``mail`` or a custom name.
    description : str
        What the profile is for.
    upload_rules : bool
        Whether the upload file rules (JPEG only, 20 KB–7 MB, 480–6000 px) apply.
    sections : mapping
        Section name (a check or a stage) → parameters.
    digest : str
        sha256 (first 16 hex digits) of the resolved parameters, to tie reports to thresholds.
    """

    name: str
    description: str
    upload_rules: bool
    sections: Mapping[str, Mapping[str, Any]]
    digest: str

    def section(self, name: str) -> dict[str, Any]:
        """Parameters of one section (a copy)."""
        return dict(self.sections[name])

    def enabled(self, check: str) -> bool:
        """Whether a check runs under this profile."""
        return bool(self.sections.get(check, {}).get("enabled", False))

    def to_dict(self) -> dict[str, Any]:
        """The resolved profile as plain data."""
        return {
            "name": self.name,
            "description": self.description,
            "upload_rules": self.upload_rules,
            "digest": self.digest,
            "sections": {k: dict(v) for k, v in self.sections.items()},
        }


def _read(name_or_path: str) -> dict[str, Any]:
    if name_or_path in BUILTIN:
        text = resources.files(__package__).joinpath(f"{name_or_path}.toml").read_text("utf-8")
    elif os.sep in name_or_path or name_or_path.endswith(".toml"):
        try:
            text = Path(name_or_path).read_text("utf-8")
        except OSError as exc:
            raise ProfileError(f"cannot read profile file {name_or_path}: {exc}") from exc
    else:
        raise ProfileError(
            f"unknown profile {name_or_path!r}; choose one of {', '.join(BUILTIN)} "
            "or give a path to a .toml file"
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {name_or_path}: invalid TOML: {exc}") from exc


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _resolve(name_or_path: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name_or_path in seen:
        raise ProfileError(f"profile inheritance loop: {' -> '.join((*seen, name_or_path))}")
    raw = _read(name_or_path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    return _merge(_resolve(str(parent), (*seen, name_or_path)), raw)


def _type_ok(value: Any, expected: type | tuple[type, ...]) -> bool:
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return False
    if isinstance(value, int) and float in types:
        return True
    return isinstance(value, types)


@cache
def load_profile(name_or_path: str) -> Profile:
    """Load, resolve (``extends``) and validate a profile.

    Raises
    ------
    ProfileError
        On an unknown section or key, a missing key, or a value of the wrong type.
    """
    raw = _resolve(name_or_path)
    unknown_top = [k for k, v in raw.items() if not isinstance(v, dict) and k not in _TOP_KEYS]
    if unknown_top:
        raise ProfileError(f"profile {name_or_path}: unknown key(s) {sorted(unknown_top)}")
    known = schema()
    sections: dict[str, dict[str, Any]] = {}
    for section, params in raw.items():
        if not isinstance(params, dict):
            continue
        if section not in known:
            raise ProfileError(
                f"profile {name_or_path}: unknown check or section [{section}]; "
                f"known: {', '.join(sorted(known))}"
            )
        expected = known[section]
        extra = sorted(set(params) - set(expected))
        if extra:
            raise ProfileError(f"profile {name_or_path}: unknown key(s) in [{section}]: {extra}")
        for key, value in params.items():
            if not _type_ok(value, expected[key]):
                raise ProfileError(
                    f"profile {name_or_path}: [{section}] {key} = {value!r} has the wrong type"
                )
        sections[section] = params
    for section, expected in known.items():
        missing = sorted(set(expected) - set(sections.get(section, {})))
        if missing:
            raise ProfileError(f"profile {name_or_path}: [{section}] lacks {missing}")
    resolved = {k: sections[k] for k in sorted(sections)}
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()[:16]
    return Profile(
        name=str(raw.get("name", Path(name_or_path).stem)),
        description=str(raw.get("description", "")),
        upload_rules=bool(raw.get("upload_rules", True)),
        sections=resolved,
        digest=digest,
    )


def describe_all() -> list[dict[str, Any]]:
    """The built-in profiles, resolved (for ``GET /v1/profiles`` and the CLI)."""
    return [load_profile(name).to_dict() for name in BUILTIN]
