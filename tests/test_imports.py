"""Every module of the package imports on its own, in an interpreter where no other module of
the package was imported first: an import cycle between modules (hidden when something else
happens to import one side first) fails here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

# Run in a child interpreter: for each module, every photocheck module is dropped from
# sys.modules before it is imported (third-party libraries stay loaded: only the order among
# the package's own modules matters for a cycle). Byte code is cached outside the tree so each
# module is compiled once.
_ISOLATED_IMPORTS = r"""
import importlib, json, pkgutil, sys
sys.dont_write_bytecode = False
sys.pycache_prefix = sys.argv[1]
import photocheck
names = sorted(m.name for m in pkgutil.walk_packages(photocheck.__path__, "photocheck.")
               if not m.name.endswith(".__main__"))
failed = {}
for name in names:
    for key in [k for k in sys.modules if k == "photocheck" or k.startswith("photocheck.")]:
        del sys.modules[key]
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = repr(exc)
print(json.dumps({"names": names, "failed": failed}))
"""


def test_every_module_imports_in_isolation(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _ISOLATED_IMPORTS, str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["failed"] == {}
    assert {"photocheck.face", "photocheck.person", "photocheck.segmentation",
            "photocheck.landmarks", "photocheck.profiles", "photocheck.checks.helper",
            "photocheck.validator", "photocheck.trimming"} <= set(result["names"])


def test_importing_the_package_and_its_cli_loads_no_pipeline() -> None:
    # photocheck.check / Validator / load_profile load OpenCV and onnxruntime on first use;
    # the command line loads them in the subcommand that runs (`photocheck --help` stays fast)
    probe = ("import sys, photocheck, photocheck.cli; "
             "print(sorted(m for m in ('cv2', 'onnxruntime', 'photocheck.checks') "
             "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
