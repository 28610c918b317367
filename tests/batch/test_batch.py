"""Batch reprocessing: outputs, journal, resume after a kill, error lines, fsspec, Dask parity.

Most tests use the deterministic stand-in processor of :mod:`tests.batch.fake` (no models); one
test runs the real default processor (:func:`photocheck.trimming.trim`) on a generated scan.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from photocheck.batch import EXIT_FINDINGS, EXIT_INPUT_FAILED, EXIT_OK, Options, Task, discover, run
from photocheck.batch.cli import main
from photocheck.batch.store import Journal, read_results, write_atomic
from photocheck.batch.summary import counts, print_summary
from photocheck.batch.worker import process_one
from tests.batch.fake import CALLS_FILE_ENV, fake_processor, grade, jpeg_of

REPO = Path(__file__).resolve().parents[2]
FAKE = "tests.batch.fake:fake_processor"
MEANS = (200, 120, 50, 210, 175)  # accept, review, reject, accept, accept


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _scans(folder: Path, means=MEANS, *, nested: bool = True) -> dict[str, bytes]:
    """Write one fake scan per mean (every other one in a subfolder); path → bytes."""
    out = {}
    for i, mean in enumerate(means):
        sub = folder / "sub" if nested and i % 2 else folder
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"scan{i:02d}.jpg"
        data = jpeg_of(mean, seed=i)
        path.write_bytes(data)
        out[str(path)] = data
    return out


def _by_input(out: Path) -> dict[str, dict]:
    lines = read_results(out / "results.jsonl")
    by = {line["input"]: line for line in lines}
    assert len(by) == len(lines), "an input appears twice in results.jsonl"
    return by


def _run(items, out: Path, **kw) -> object:
    opts = Options(out=out, workers=kw.pop("workers", 1), processor=kw.pop("processor", FAKE),
                   progress=False, **kw)
    return run(items, opts)


def test_folder_run_writes_outputs_results_and_summary(tmp_path: Path) -> None:
    scans = _scans(tmp_path / "in")
    (tmp_path / "in" / "notes.txt").write_text("not a scan")
    outcome = _run(discover(str(tmp_path / "in")), tmp_path / "out")
    out = tmp_path / "out"
    lines = _by_input(out)
    assert sorted(lines) == sorted(scans)
    for path, data in scans.items():
        line = lines[path]
        mean = int(Path(path).stem[-2:])
        assert line["sha256"] == _sha(data)
        assert line["verdict"] == grade(MEANS[mean])
        assert line["error"] is None and line["source"] == path
        assert line["output"] == f"{Path(path).stem}-{_sha(data)[:12]}.jpg"
        with Image.open(out / line["output"]) as im:
            assert im.size == (70, 90)
        # docs/report.md keys are all there
        assert {"profile", "exceptions", "findings", "face", "crop", "timings_ms",
                "versions"} <= set(line)
    assert outcome.exit_code == EXIT_FINDINGS
    assert outcome.processed == 5 and outcome.skipped == 0
    verdicts, codes, errors = counts(outcome)
    assert dict(verdicts) == {"accept": 3, "review": 1, "reject": 1}
    assert dict(codes) == {"quality.noise": 2, "lighting.too_dark": 1}
    assert not errors
    with (out / "summary.csv").open(newline="") as fh:
        rows = {r["input"]: r for r in csv.DictReader(fh)}
    reject = next(p for p in scans if p.endswith("scan02.jpg"))
    assert rows[reject]["verdict"] == "reject"
    assert rows[reject]["failing_codes"] == "lighting.too_dark;quality.noise"
    assert rows[reject]["output"] == lines[reject]["output"]
    text = io.StringIO()
    print_summary(outcome, out, text)
    assert "verdicts: accept=3, review=1, reject=1" in text.getvalue()
    assert "lighting.too_dark: 1" in text.getvalue()
    assert not list(out.glob(".photocheck-batch-*.tmp"))


def test_rerun_skips_done_inputs_and_duplicate_content(tmp_path: Path, monkeypatch) -> None:
    scans = _scans(tmp_path / "in", (200, 50), nested=False)
    _run(discover(str(tmp_path / "in")), tmp_path / "out")
    # a copy of an already processed scan under another name, plus one new scan
    first = next(iter(scans.values()))
    (tmp_path / "in" / "copy.jpg").write_bytes(first)
    (tmp_path / "in" / "new.jpg").write_bytes(jpeg_of(180, seed=42))
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv(CALLS_FILE_ENV, str(calls))  # inherited by the spawned worker
    outcome = _run(discover(str(tmp_path / "in")), tmp_path / "out")
    assert calls.read_text().split() == [str(tmp_path / "in" / "new.jpg")]
    assert (outcome.processed, outcome.skipped) == (1, 3)  # copy.jpg: same bytes, done already
    lines = read_results(tmp_path / "out" / "results.jsonl")
    assert len(lines) == 3
    rows = {p: (rec.verdict if rec else None, same) for p, rec, same in outcome.rows}
    # copy.jpg shares the line of the scan with its bytes
    assert rows[str(tmp_path / "in" / "copy.jpg")] == ("accept", next(iter(scans)))
    assert rows[next(iter(scans))] == ("accept", None)
    assert outcome.exit_code == EXIT_FINDINGS


def test_chunks_reach_a_batched_processor(tmp_path: Path, monkeypatch) -> None:
    _scans(tmp_path / "in", (200, 120, 50, 210, 175, 90, 30))
    items = discover(str(tmp_path / "in"))
    _run(items, tmp_path / "one")
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv(CALLS_FILE_ENV, str(calls))
    _run(items, tmp_path / "chunked", processor="tests.batch.fake:batched_processor",
         chunk_size=3)
    chunks = [ln for ln in calls.read_text().split() if ln.startswith("chunk:")]
    assert chunks == ["chunk:3", "chunk:3", "chunk:1"]
    a = {k: _strip(v) for k, v in _by_input(tmp_path / "one").items()}
    b = {k: _strip(v) for k, v in _by_input(tmp_path / "chunked").items()}
    assert a == b and len(a) == 7


def test_manifest_with_per_row_exceptions_dates_and_bad_rows(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for name, mean in (("a.jpg", 200), ("b.jpg", 210), ("c.jpg", 220)):
        (folder / name).write_bytes(jpeg_of(mean, seed=mean))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,exceptions,applied_on,dpi\n"
        "scans/a.jpg,infant;medical_eyewear,2026-03-01,600\n"
        f"{folder / 'b.jpg'},,,\n"
        "scans/c.jpg,wizard_hat,,\n",
        encoding="utf-8",
    )
    items = discover(str(manifest), exceptions=("gaze_unfixed",), applied_on="2026-05-05")
    assert [Path(i.input).name for i in items] == ["a.jpg", "b.jpg", "c.jpg"]
    assert items[0].exceptions == ("gaze_unfixed", "infant", "medical_eyewear")
    assert (items[0].applied_on, items[0].dpi) == ("2026-03-01", 600.0)
    assert items[1].exceptions == ("gaze_unfixed",) and items[1].applied_on == "2026-05-05"
    assert items[2].problem and "wizard_hat" in items[2].problem
    outcome = _run(items, tmp_path / "out")
    lines = _by_input(tmp_path / "out")
    a, b, c = (lines[i.input] for i in items)
    assert a["exceptions"] == ["gaze_unfixed", "infant", "medical_eyewear"]
    assert (a["applied_on"], a["dpi"]) == ("2026-03-01", 600.0)  # passed to the processor
    assert (b["applied_on"], b["verdict"]) == ("2026-05-05", "accept")
    assert c["error"]["code"] == "batch.invalid_row" and "wizard_hat" in c["error"]["message"]
    assert c["verdict"] == "reject" and c["output"] is None
    assert outcome.exit_code == EXIT_INPUT_FAILED


def test_glob_input_through_the_cli(tmp_path: Path, capsys) -> None:
    scans = _scans(tmp_path / "in", (200, 210, 220))
    top = sorted(p for p in scans if "/sub/" not in p)
    assert [i.input for i in discover(str(tmp_path / "in" / "*.jpg"))] == top
    assert [i.input for i in discover(str(tmp_path / "in" / "**" / "*.jpg"))] == sorted(scans)
    code = main([str(tmp_path / "in" / "*.jpg"), "--out", str(tmp_path / "out"),
                 "--workers", "1", "--no-progress", "--processor", FAKE])
    assert code == EXIT_OK
    assert sorted(_by_input(tmp_path / "out")) == top
    with (tmp_path / "out" / "summary.csv").open(newline="") as fh:
        assert [r["input"] for r in csv.DictReader(fh)] == top
    assert "verdicts: accept=2" in capsys.readouterr().err


def test_fsspec_memory_input(tmp_path: Path) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    datas = {}
    for i, mean in enumerate((200, 60)):
        data = jpeg_of(mean, seed=10 + i)
        fs.pipe(f"/batchtest/deep/s{i}.jpg", data)
        # fsspec's canonical URL of the file (memory:///batchtest/…)
        datas[fs.unstrip_protocol(f"/batchtest/deep/s{i}.jpg")] = data
    fs.pipe("/batchtest/readme.md", b"# not a scan")
    try:
        items = discover("memory://batchtest")
        assert [i.input for i in items] == sorted(datas)
        assert [i.input for i in discover("memory://batchtest/deep/*.jpg")] == sorted(datas)
        outcome = _run(items, tmp_path / "out")
        lines = _by_input(tmp_path / "out")
        for url, data in datas.items():
            assert lines[url]["sha256"] == _sha(data)
            assert lines[url]["output"] == f"{Path(url).stem}-{_sha(data)[:12]}.jpg"
            assert (tmp_path / "out" / lines[url]["output"]).is_file()
        assert [lines[u]["verdict"] for u in sorted(datas)] == ["accept", "reject"]
        assert outcome.exit_code == EXIT_FINDINGS
    finally:
        fs.rm("/batchtest", recursive=True)


def test_corrupt_and_unreadable_inputs_become_error_lines(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "in"
    _scans(folder, (200, 210), nested=False)
    good = jpeg_of(200, seed=7)
    (folder / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (folder / "page.jpg").write_bytes(b"<!doctype html><html><body>404</body></html>")
    (folder / "empty.png").write_bytes(b"")
    (folder / "gone.jpg").symlink_to(folder / "missing-target.jpg")
    code = main([str(folder), "--out", str(tmp_path / "out"), "--workers", "1",
                 "--no-progress", "--processor", FAKE])
    assert code == EXIT_INPUT_FAILED
    lines = _by_input(tmp_path / "out")
    assert len(lines) == 6
    errors = {Path(p).name: (ln["error"] or {}).get("code") for p, ln in lines.items()}
    assert errors == {"scan00.jpg": None, "scan01.jpg": None, "truncated.jpg": "file.corrupt",
                      "page.jpg": "file.corrupt", "empty.png": "file.corrupt",
                      "gone.jpg": "file.unreadable"}
    page = lines[str(folder / "page.jpg")]
    assert page["findings"][0]["measured"] == "html" and page["verdict"] == "reject"
    gone = lines[str(folder / "gone.jpg")]
    assert gone["sha256"] is None and "No such file" in gone["error"]["message"]
    assert all(ln["output"] is None for p, ln in lines.items() if ln["error"])
    assert "errors: file.corrupt=3, file.unreadable=1" in capsys.readouterr().err
    # a rerun does not repeat the error lines (the unreadable one is keyed by its path)
    assert main([str(folder), "--out", str(tmp_path / "out"), "--workers", "1",
                 "--no-progress", "--processor", FAKE]) == EXIT_INPUT_FAILED
    assert len(read_results(tmp_path / "out" / "results.jsonl")) == 6


def test_processor_bug_becomes_an_error_line() -> None:
    def broken(data: bytes, **kwargs: object):
        raise ZeroDivisionError("boom")

    data = jpeg_of(200)
    line, jpeg = process_one(Task("x/scan.jpg", data, None), broken)
    assert jpeg is None
    assert line["error"] == {"code": "batch.processing_failed",
                             "message": "ZeroDivisionError: boom"}
    assert line["sha256"] == _sha(data) and line["verdict"] == "reject"
    assert line["findings"][0]["code"] == "batch.processing_failed"
    line, jpeg = process_one(Task("x/scan.jpg", data, None), fake_processor)
    assert line["verdict"] == "accept" and jpeg is not None and line["error"] is None


def test_a_dying_worker_is_retried_then_reported(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _scans(folder, (200, 210, 220), nested=False)
    (folder / "killer.jpg").write_bytes(jpeg_of(200, seed=5, comment=b"DIE"))
    outcome = _run(discover(str(folder)), tmp_path / "out",
                   processor="tests.batch.fake:dying_processor")
    lines = _by_input(tmp_path / "out")
    assert len(lines) == 4
    assert lines[str(folder / "killer.jpg")]["error"]["code"] == "batch.worker_crashed"
    assert all(ln["verdict"] == "accept" for p, ln in lines.items() if "killer" not in p)
    assert outcome.exit_code == EXIT_INPUT_FAILED


def test_journal_drops_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    good = [{"input": "a.jpg", "sha256": "aa", "verdict": "accept", "findings": []},
            {"input": "b.jpg", "sha256": "bb", "verdict": "reject",
             "findings": [{"code": "pose.yaw", "status": "fail"}]}]
    text = "".join(json.dumps(g) + "\n" for g in good)
    path.write_text(text + '{"input": "c.jpg", "sha2')
    with Journal(path) as journal:
        assert journal.dropped_bytes == len('{"input": "c.jpg", "sha2')
        assert sorted(journal.records) == ["sha256:aa", "sha256:bb"]
        assert journal.records["sha256:bb"].codes == ("pose.yaw",)
        journal.append({"input": "c.jpg", "sha256": "cc", "verdict": "accept", "findings": []})
    assert [ln["input"] for ln in read_results(path)] == ["a.jpg", "b.jpg", "c.jpg"]
    assert path.read_text().startswith(text)
    # a damaged last line that has its newline is dropped too
    path.write_text(text + '{"input": "d.jpg", "sha256": "dd", "verd\n')
    with Journal(path) as journal:
        assert sorted(journal.records) == ["sha256:aa", "sha256:bb"]
    assert path.read_text() == text


def test_write_atomic_leaves_no_temporary(tmp_path: Path) -> None:
    write_atomic(tmp_path / "x.jpg", b"abc")
    write_atomic(tmp_path / "x.jpg", b"defg")
    assert (tmp_path / "x.jpg").read_bytes() == b"defg"
    assert [p.name for p in tmp_path.iterdir()] == ["x.jpg"]


def test_resume_after_sigkill_processes_each_input_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    scans = _scans(folder, tuple(range(60, 240, 15)))  # 12 scans
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(CALLS_FILE_ENV, None)
    cmd = [sys.executable, "-m", "batch", str(folder), "--out", str(out), "--workers", "1",
           "--no-progress", "--processor", "tests.batch.fake:slow_processor"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if results.exists() and results.read_bytes().count(b"\n") >= 3:
                break
            if proc.poll() is not None:
                pytest.fail(f"batch ended early: {proc.stderr.read().decode()}")
            time.sleep(0.05)
        else:
            pytest.fail("batch made no progress")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker, mid-flight
        proc.wait()
        proc.stderr.close()
    done_before = len(read_results(results))
    assert 3 <= done_before < len(scans)
    # what a kill during writing would leave behind: a temporary and a torn line
    (out / ".photocheck-batch-killed.tmp").write_bytes(b"\xff\xd8 half a jpeg")
    with results.open("ab") as fh:
        fh.write(b'{"input": "half a line')
    calls = tmp_path / "calls.txt"
    rerun = subprocess.run(cmd[:-1] + [FAKE], cwd=REPO, env={**env, CALLS_FILE_ENV: str(calls)},
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == EXIT_FINDINGS, rerun.stderr
    lines = read_results(results)
    assert sorted(ln["input"] for ln in lines) == sorted(scans)  # each input exactly once
    assert len(calls.read_text().split()) == len(scans) - done_before  # done ones skipped
    assert not list(out.glob(".photocheck-batch-*.tmp"))
    outputs = sorted(p.name for p in out.glob("*.jpg"))
    assert outputs == sorted(ln["output"] for ln in lines)
    for name in outputs:
        with Image.open(out / name) as im:
            im.load()  # complete, decodable files only
    assert f"{len(scans) - done_before} processed now, {done_before} already done" in rerun.stderr


def test_ctrl_c_stops_cleanly_with_exit_130(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    scans = _scans(folder, tuple(range(60, 240, 15)))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "batch", str(folder), "--out", str(out), "--workers", "1",
         "--processor", "tests.batch.fake:slow_processor"],
        cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 60
    while not (results.exists() and results.read_bytes().count(b"\n") >= 2):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "INTERRUPTED" in err
    done = read_results(results)
    assert results.read_bytes().endswith(b"\n") and 2 <= len(done) < len(scans)
    assert not list(out.glob("*.tmp")) and not list(out.glob(".photocheck-batch-*.tmp"))
    with (out / "summary.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(scans)  # every input listed; those not reached have no verdict
    assert sum(1 for r in rows if r["verdict"]) == len(done)


def _strip(line: dict) -> dict:
    return {k: v for k, v in line.items() if k != "timings_ms"}


def test_dask_local_cluster_matches_local_run(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "in"
    _scans(folder, (200, 120, 50, 210))
    (folder / "bad.jpg").write_bytes(b"GIF89a-not-really")
    items = discover(str(folder))
    local = _run(items, tmp_path / "local", workers=2)
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = _run(items, tmp_path / "dask", scheduler=client)
        pids = client.run(os.getpid)
        # the processor was loaded once per worker process and cached there
        cached = client.run(
            lambda: FAKE in __import__("importlib").import_module("photocheck.batch.worker")._cache)
    assert len(set(pids.values())) == 2 and all(cached.values())
    a = {k: _strip(v) for k, v in _by_input(tmp_path / "local").items()}
    b = {k: _strip(v) for k, v in _by_input(tmp_path / "dask").items()}
    assert a == b and len(a) == 5
    for line in a.values():
        if line["output"]:
            assert (tmp_path / "local" / line["output"]).read_bytes() == \
                   (tmp_path / "dask" / line["output"]).read_bytes()
    assert local.exit_code == dask.exit_code == EXIT_INPUT_FAILED


def test_default_processor_runs_photocheck_trim(tmp_path: Path) -> None:
    scan_synth = pytest.importorskip("benchmarks.scan_synth")
    pytest.importorskip("photocheck.trimming")
    scan = scan_synth.render_scan(scan_synth.drawn_portrait(),
                                  scan_synth.PrintSpec(dpi=300, rotation_deg=2.0, seed=3))
    line, jpeg = process_one(Task("bed/scan7.jpg", scan.data, None, exceptions=("infant",)))
    assert line["input"] == line["source"] == "bed/scan7.jpg"
    assert line["sha256"] == _sha(scan.data) and line["error"] is None
    assert line["exceptions"] == ["infant"] and line["profile"] == "mail"
    status = {f["code"]: f["status"] for f in line["findings"]}
    assert status["trim.photo_not_found"] == "pass"  # the print was found on the bed
    assert {"trim.print_size", "trim.not_trimmable"} <= set(status)
    assert abs(line["trim"]["rotation_deg"] - 2.0) < 0.5
    assert line["trim"]["out_size_px"] == [827, 1063]
    assert jpeg is not None  # a drawn face at 300 dpi is trimmable
    with Image.open(io.BytesIO(jpeg)) as im:
        assert im.size == (827, 1063)



def test_unchanged_inputs_are_skipped_by_stat_changed_ones_by_hash(tmp_path: Path,
                                                                   monkeypatch) -> None:
    scans = _scans(tmp_path / "in", (200, 50, 120), nested=False)
    out = tmp_path / "out"
    _run(discover(str(tmp_path / "in")), out)
    paths = list(scans)
    lines = _by_input(out)
    st = os.stat(paths[0])
    assert lines[paths[0]]["stat"] == f"{st.st_size}:{st.st_mtime_ns}"
    # same size and mtime: skipped without reading (the stat key is trusted) …
    same_size = jpeg_of(90, seed=99)[: st.st_size].ljust(st.st_size, b"\0")
    Path(paths[0]).write_bytes(same_size)
    os.utime(paths[0], ns=(st.st_atime_ns, st.st_mtime_ns))
    # … a touched file is read and hashed again by the worker: same bytes, so not processed …
    os.utime(paths[1], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    # … and new bytes under a done name are processed (a new line for new content)
    Path(paths[2]).write_bytes(jpeg_of(210, seed=77))
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv(CALLS_FILE_ENV, str(calls))
    outcome = _run(discover(str(tmp_path / "in")), out)
    assert calls.read_text().split() == [paths[2]]
    assert (outcome.processed, outcome.skipped) == (1, 2)
    lines = read_results(out / "results.jsonl")
    assert [ln["input"] for ln in lines].count(paths[2]) == 2  # old and new content
    assert lines[-1]["verdict"] == "accept" and lines[-1]["sha256"] == _sha(jpeg_of(210, seed=77))
    # the touched file's record answers for it; a third run skips all three by stat
    rows = {p: (rec.input if rec else None, same) for p, rec, same in outcome.rows}
    assert rows[paths[1]] == (paths[1], None)
    calls.unlink()
    outcome = _run(discover(str(tmp_path / "in")), out)
    assert not calls.exists() and (outcome.processed, outcome.skipped) == (0, 3)


def test_same_bytes_twice_in_one_run_give_one_line_and_one_output(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    data = jpeg_of(200, seed=3)
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        (folder / name).write_bytes(data)
    (folder / "d.jpg").write_bytes(jpeg_of(60, seed=4))
    outcome = _run(discover(str(folder)), tmp_path / "out", workers=2)
    lines = read_results(tmp_path / "out" / "results.jsonl")
    assert len(lines) == 2 and sorted(ln["sha256"] for ln in lines) == sorted(
        [_sha(data), _sha(jpeg_of(60, seed=4))])
    kept = next(ln for ln in lines if ln["sha256"] == _sha(data))
    # the workers hash in parallel: whichever finished first keeps the line, the others share it
    assert (outcome.processed, outcome.duplicates, outcome.skipped) == (2, 2, 0)
    rows = {Path(p).name: same for p, rec, same in outcome.rows}
    sharing = [n for n in ("a.jpg", "b.jpg", "c.jpg") if rows[n]]
    assert len(sharing) == 2 and all(rows[n] == kept["input"] for n in sharing)
    # the dropped lines' outputs were removed: only outputs named by a line remain
    assert sorted(p.name for p in (tmp_path / "out").glob("*.jpg")) == sorted(
        ln["output"] for ln in lines if ln["output"])


def test_journal_writes_each_line_at_once_and_batches_fsync(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    with Journal(path, sync_s=3600.0, sync_lines=3) as journal:
        for i in range(5):
            journal.append({"input": f"{i}.jpg", "sha256": f"{i:02x}", "verdict": "accept",
                            "findings": []})
            # in the kernel already: a killed process loses nothing
            assert len(read_results(path)) == i + 1
        assert journal.fsyncs == 1  # after line 3; lines 4–5 wait for the next batch
        journal.sync_s = 0.0
        journal.sync_if_due()
        assert journal.fsyncs == 2
        journal.sync_if_due()  # nothing new: no fsync
        assert journal.fsyncs == 2
        journal.append({"input": "5.jpg", "sha256": "05", "verdict": "accept", "findings": []})
        assert journal.fsyncs == 3  # due by time
    assert [ln["input"] for ln in read_results(path)] == [f"{i}.jpg" for i in range(6)]


def test_worker_writes_its_output_and_stops_the_run_when_it_cannot(tmp_path: Path) -> None:
    data = jpeg_of(200, seed=11)
    line, jpeg = process_one(Task("x/scan.jpg", data, None, out_dir=str(tmp_path)),
                             fake_processor)
    assert jpeg is None and line["output"] == f"scan-{_sha(data)[:12]}.jpg"
    with Image.open(tmp_path / line["output"]) as im:
        assert im.size == (70, 90)
    assert [p.name for p in tmp_path.iterdir()] == [line["output"]]  # no temporary left
    from photocheck.batch.worker import OutputWriteError

    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    with pytest.raises(OutputWriteError, match="not-a-folder"):
        process_one(Task("x/scan.jpg", data, None, out_dir=str(blocker)), fake_processor)


def test_workers_start_with_single_threaded_libraries(monkeypatch) -> None:
    from photocheck.batch.worker import single_threaded_children

    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    probe = [sys.executable, "-c",
             "import os; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'],"
             " os.environ['PHOTOCHECK_ORT_THREADS'])"]
    with single_threaded_children():  # a process started now (a spawned worker) …
        seen = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.split()
    assert seen == ["1", "1", "1"]  # … loads numpy's OpenBLAS, OpenMP, onnxruntime with 1 thread
    assert os.environ["OMP_NUM_THREADS"] == "7"  # the caller's environment is restored
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_the_trim_processor_keeps_each_scan_on_its_worker_core(monkeypatch) -> None:
    from photocheck import trimming
    from photocheck.batch import worker

    seen: dict[str, object] = {}

    class Result:
        report = {"findings": []}
        jpeg = b"out"

    def fake_trim(data: bytes, *, dpi=None, out_dpi=600, profile="mail", exceptions=(),
                  applied_on=None, overlap_decode=None):  # noqa: ANN001, ANN202
        seen.update(dpi=dpi, out_dpi=out_dpi, overlap_decode=overlap_decode)
        return Result()

    monkeypatch.setattr(trimming, "trim", fake_trim)
    report, jpeg = worker.trim_processor(b"scan", name="a.jpg", dpi=300.0)
    # one single-threaded process per core: no second decode thread per scan
    assert seen == {"dpi": 300.0, "out_dpi": 600, "overlap_decode": False}
    assert jpeg == b"out"
