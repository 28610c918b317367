"""The documentation agrees with the code: every finding code, profile key and report field the
docs name exists, and every code and profile key the code has is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from photocheck.checks import CHECKS, schema
from photocheck.messages import known_codes

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
CODES_MD = DOCS / "codes.md"
# Every Markdown file a reader meets: the docs, the README, the benchmarks' README.
DOC_FILES = sorted(DOCS.glob("*.md")) + [REPO / "README.md", REPO / "benchmarks" / "README.md"]

# Codes emitted outside the check table: the validator's unreadable-source finding.
VALIDATOR_CODES = {"file.unreadable"}
# Batch error codes and not_assessed causes that are not finding codes of the library.
OTHER_CODES = {"batch.invalid_row", "batch.processing_failed", "batch.worker_crashed",
               "trim.dpi_unknown"}

HEADING = re.compile(r"^### `([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)`\s*$", re.M)
PROFILE_KEY = re.compile(r"`\[([a-z_]+)\] ([a-z0-9_]+)`")
CODE_LIKE = re.compile(r"`([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*|\*)`")


def _text(path: Path) -> str:
    return path.read_text("utf-8")


def registry_codes() -> set[str]:
    return {code for check in CHECKS for code in check.codes} | VALIDATOR_CODES


def documented_codes() -> list[str]:
    return HEADING.findall(_text(CODES_MD))


def test_doc_files_exist() -> None:
    for path in DOC_FILES:
        assert path.is_file(), path
    assert {p.name for p in DOCS.glob("*.md")} >= {
        "standard.md", "codes.md", "report.md", "architecture.md"}


def test_every_emitted_code_is_documented_and_vice_versa() -> None:
    documented = documented_codes()
    assert len(documented) == len(set(documented)), "a code is documented twice"
    assert set(documented) == registry_codes()


def test_messages_and_codes_md_agree() -> None:
    assert set(documented_codes()) == set(known_codes())


def test_codes_md_follows_the_check_table_order() -> None:
    order = [code for check in CHECKS for code in check.codes]
    documented = [c for c in documented_codes() if c in order]
    # within each check the codes appear in the order the check emits them
    for check in CHECKS:
        own = [c for c in check.codes if c.startswith(f"{check.name}.")]
        assert [c for c in documented if c in own] == own, check.name


def test_every_code_named_anywhere_in_the_docs_exists() -> None:
    prefixes = {check.name for check in CHECKS} | {"batch"}
    valid = registry_codes() | OTHER_CODES
    for path in DOC_FILES:
        for prefix, condition in CODE_LIKE.findall(_text(path)):
            if prefix not in prefixes:
                continue  # a module or file name (photocheck.check, face.py …)
            code = f"{prefix}.{condition}"
            if condition == "*":
                assert any(c.startswith(f"{prefix}.") for c in valid), (path.name, code)
            elif condition not in ("py", "toml", "md", "json"):
                assert code in valid, f"{path.name} names unknown code {code}"


def test_every_profile_key_named_in_the_docs_exists() -> None:
    sections = schema()
    found = 0
    for path in DOC_FILES:
        for section, key in PROFILE_KEY.findall(_text(path)):
            found += 1
            assert section in sections, f"{path.name}: unknown profile section [{section}]"
            assert key in sections[section], f"{path.name}: unknown key [{section}] {key}"
    assert found > 100


def test_every_profile_key_is_documented_in_codes_md() -> None:
    named = set(PROFILE_KEY.findall(_text(CODES_MD)))
    missing = [f"[{s}] {k}" for s, params in schema().items() for k in params
               if k != "enabled" and (s, k) not in named]
    assert missing == []


def test_every_code_section_names_its_profile_keys() -> None:
    text = _text(CODES_MD)
    parts = HEADING.split(text)[1:]  # code, body, code, body …
    for code, body in zip(parts[::2], parts[1::2], strict=True):
        body = body.split("\n## ", 1)[0]
        assert "Measured" in body, code
        assert "Profile keys" in body or "Profile\nkeys" in body, code


def _example_report() -> dict:
    text = _text(DOCS / "report.md")
    blocks = re.findall(r"```json\n(.*?)\n```", text, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_report_example_matches_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_doc = json.loads((REPO / "photocheck" / "report_schema.json").read_text("utf-8"))
    example = _example_report()
    jsonschema.validate(example, schema_doc)
    assert {f["code"] for f in example["findings"]} <= registry_codes()
    statuses = {f["status"] for f in example["findings"]}
    assert statuses == {"pass", "warn", "not_assessed", "waived"}


def test_report_md_names_every_schema_field() -> None:
    schema_doc = json.loads((REPO / "photocheck" / "report_schema.json").read_text("utf-8"))
    text = _text(DOCS / "report.md")
    fields = list(schema_doc["properties"]) + list(
        schema_doc["$defs"]["finding"]["properties"])
    missing = [f for f in fields if f"| `{f}` |" not in text]
    assert missing == []


def test_exception_table_matches_the_waivers() -> None:
    from photocheck.exceptions import WAIVERS

    text = _text(DOCS / "standard.md")
    for name, patterns in WAIVERS.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        for pattern in patterns:
            shown = f"`{pattern}`" if not pattern.endswith(".*") else pattern[:-2]
            assert shown in row, (name, pattern)


def test_readme_is_short_and_keeps_the_set_up_commands() -> None:
    text = _text(REPO / "README.md")
    assert len(text.splitlines()) < 250
    assert ('python -m pip install -e ".[dev]" && photocheck check '
            "../shared/photos/a_compliant_plain_bg/london_002_03.jpg") in text
    assert 'python -m pip install -e ".[dev]" && python -m pytest -q\n' in text
    assert "DESIGN.md" not in text


def test_docs_do_not_point_outside_the_repository() -> None:
    for path in DOC_FILES:
        assert "DESIGN.md" not in _text(path), path.name
