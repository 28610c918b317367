"""Profiles: built-ins load, inheritance, and strict validation at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from photocheck.checks import CHECKS
from photocheck.profiles import BUILTIN, ProfileError, describe_all, load_profile


def test_builtin_profiles_load_with_every_check_section():
    names = {c.name for c in CHECKS}
    for name in BUILTIN:
        profile = load_profile(name)
        assert profile.name == name
        assert names <= set(profile.sections)
    assert load_profile("online").upload_rules is True
    assert load_profile("mail").upload_rules is False
    digests = {d["digest"] for d in describe_all()}
    assert len(digests) == 3


def test_mail_inherits_online_and_overrides_decode_limit():
    online, mail = load_profile("online"), load_profile("mail")
    assert mail.section("decode")["max_decode_megapixels"] == 250.0
    assert online.section("decode")["max_decode_megapixels"] == 50.0
    assert mail.section("decode")["max_read_bytes"] == online.section("decode")["max_read_bytes"]


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "custom.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('extends = "online"\n[hats]\nenabled = true\n', "unknown check or section [hats]"),
        ('extends = "online"\n[pose]\nmax_yaw = 5.0\n', "unknown key(s) in [pose]"),
        ('extends = "online"\n[decode]\nmax_read_bytes = "lots"\n', "wrong type"),
        ('extends = "online"\ncolour = "red"\n', "unknown key(s)"),
        ('[decode]\nmax_read_bytes = 10\n', "lacks"),
        ('extends = "online"\n[pose\n', "invalid TOML"),
    ],
)
def test_profile_errors_are_clear(tmp_path, body, message):
    with pytest.raises(ProfileError) as err:
        load_profile(_write(tmp_path, body))
    assert message in str(err.value)


def test_unknown_profile_name_lists_builtins():
    with pytest.raises(ProfileError) as err:
        load_profile("kiosk")
    assert "online" in str(err.value) and "mail" in str(err.value)


def test_custom_profile_can_disable_a_check(tmp_path):
    profile = load_profile(_write(tmp_path, 'extends = "online"\nname = "x"\n'
                                            '[pose]\nenabled = false\n'))
    assert profile.name == "x" and not profile.enabled("pose") and profile.enabled("face")
