"""benchmarks.docs_figures: figures written between markers, nothing else touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.docs_figures import MissingBlockError, replace_block, replace_text, speed_table

DOC = (
    "# Title\n"
    "before\n"
    "<!-- figures:speed:begin -->\n"
    "old line 1\n"
    "old line 2\n"
    "<!-- figures:speed:end -->\n"
    "after\n"
)


def test_replace_text_exact() -> None:
    out = replace_text(DOC, "speed", "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert out == (
        "# Title\n"
        "before\n"
        "<!-- figures:speed:begin -->\n"
        "| a | b |\n"
        "|---|---|\n"
        "| 1 | 2 |\n"
        "<!-- figures:speed:end -->\n"
        "after\n"
    )


def test_replace_is_idempotent_and_only_touches_its_block() -> None:
    doc = DOC + "<!-- figures:trim:begin -->\nkeep\n<!-- figures:trim:end -->\n"
    once = replace_text(doc, "speed", "new")
    assert replace_text(once, "speed", "new") == once
    assert once.endswith("<!-- figures:trim:begin -->\nkeep\n<!-- figures:trim:end -->\n")
    assert "old line" not in once


def test_replace_block_rewrites_file(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(DOC, "utf-8")
    replace_block(path, "speed", "x = 1")
    assert path.read_text("utf-8") == DOC.replace("old line 1\nold line 2", "x = 1")


def test_missing_markers_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(DOC, "utf-8")
    with pytest.raises(MissingBlockError, match=r"README\.md.*'accuracy'.*found 0 and 0"):
        replace_block(path, "accuracy", "x")
    assert path.read_text("utf-8") == DOC  # left unchanged


def test_end_before_begin_and_duplicates_are_errors() -> None:
    swapped = "<!-- figures:a:end -->\n<!-- figures:a:begin -->\n"
    with pytest.raises(MissingBlockError, match="comes before"):
        replace_text(swapped, "a", "x")
    twice = DOC + DOC
    with pytest.raises(MissingBlockError, match="found 2 and 2"):
        replace_text(twice, "speed", "x")


def test_bad_block_name() -> None:
    with pytest.raises(ValueError, match="block name"):
        replace_text(DOC, "Speed figures", "x")


def test_speed_table_exact() -> None:
    ratios = {
        "medians_s": {"2mp": {"test_check": 0.17, "test_decode_full": 0.01}},
        "ratios": {"2mp": {"test_check": 17.0, "test_decode_full": 1.0}},
        "cpu_medians_s": {"2mp": {"test_check": 0.08, "test_decode_full": 0.005}},
        "cpu_ratios": {"2mp": {"test_check": 16.0, "test_decode_full": 1.0}},
        "interleaved": {"test_trim_interleaved": {"trim_over_decode": 1.153, "rounds": 30}},
    }
    assert speed_table(ratios, "run X") == (
        "run X:\n"
        "\n"
        "| input | test | median ms | × `cv2.imdecode` | CPU ms | CPU × `cv2.imdecode` |\n"
        "|---|---|---|---|---|---|\n"
        "| 2mp | `test_check` | 170.0 | 17.00× | 80.0 | 16.00× |\n"
        "| 2mp | `test_decode_full` | 10.0 | 1.00× | 5.0 | 1.00× |\n"
        "| interleaved | `test_trim_interleaved`: trim over decode | — | 1.15× | — | — |"
    )


def test_speed_table_shows_the_interleaved_check_as_a_row_of_its_photo() -> None:
    info = {"median_ms": {"decode": 6.1, "check": 80.2},
            "cpu_median_ms": {"decode": 6.0, "check": 79.9},
            "check_over_cv2_decode": 13.148, "check_cpu_over_cv2_decode_cpu": 13.317}
    ratios = {"medians_s": {"2mp": {"test_check": 0.081}}, "ratios": {"2mp": {"test_check": 13.5}},
              "interleaved": {"test_check_interleaved[2mp]": info}}
    assert speed_table(ratios, "r").splitlines()[-2:] == [
        "| 2mp | `test_check` | 81.0 | 13.50× | — | — |",
        "| 2mp | `test_check_interleaved` | 80.2 | 13.15× | 79.9 | 13.32× |"]
    short = speed_table(ratios, "r", only=("test_check_interleaved",)).splitlines()
    assert short[4:] == ["| 2mp | `test_check_interleaved` | 80.2 | 13.15× | 79.9 | 13.32× |"]


def test_speed_table_without_cpu_figures_shows_dashes() -> None:
    ratios = {"medians_s": {"2mp": {"test_check": 0.17}}, "ratios": {"2mp": {"test_check": 17.0}}}
    assert speed_table(ratios, "r").splitlines()[-1] == (
        "| 2mp | `test_check` | 170.0 | 17.00× | — | — |")


def test_speed_table_short_version_keeps_only_named_tests() -> None:
    ratios = {"medians_s": {}, "ratios": {"2mp": {"test_check": 17.0, "test_decode_full": 1.0}}}
    assert speed_table(ratios, "r", only=("test_check",)).splitlines()[-1] == (
        "| 2mp | `test_check` | — | 17.00× | — | — |")


def test_cpu_timed_records_the_median_process_cpu_time_per_call() -> None:
    from benchmarks.conftest import cpu_timed

    class FakeBenchmark:  # calls the target three times, as pytest-benchmark's rounds would
        extra_info: dict[str, float] = {}

        def __call__(self, fn, *args):  # noqa: ANN001, ANN204 - the fixture's signature
            return [fn(*args) for _ in range(3)][-1]

    def burn(n: int) -> int:
        return sum(i * i for i in range(n))

    bench = FakeBenchmark()
    assert cpu_timed(bench, burn, 200_000) == sum(i * i for i in range(200_000))
    # 200k Python iterations cost milliseconds of CPU, far above the clock's resolution
    assert 1e-4 < bench.extra_info["cpu_median_s"] < 1.0
