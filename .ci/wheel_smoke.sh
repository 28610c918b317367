#!/usr/bin/env bash
# The wheel as the intake backend gets it: build it, install it in a fresh venv outside the
# checkout, and run check, trim, batch and the HTTP service from a folder with no checkout and
# no ../shared beside it.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/photocheck-wheel.XXXXXX)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

python -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$work/dist" "$repo"
wheel="$(ls "$work"/dist/photocheck-*.whl)"
python - "$wheel" "$repo/photocheck/models/manifest.json" <<'PY'
import json, sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
assert top == {"photocheck"}, f"top-level entries other than photocheck: {sorted(top)}"
shipped = json.loads(open(sys.argv[2], encoding="utf-8").read())
models = tuple(f"photocheck/models/{entry['file']}" for entry in shipped.values())
for need in ("photocheck/models/manifest.json", *models, "photocheck/profiles/online.toml",
             "photocheck/messages/ja.toml",
             "photocheck/report_schema.json", "photocheck/static/index.html",
             "photocheck/static/app.js", "photocheck/static/style.css"):
    assert need in names, f"{need} missing from the wheel"
print(f"wheel: {len(names)} files, top level {sorted(top)}")
PY
python "$repo/.ci/make_smoke_inputs.py" "$work/in"

python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel[api,batch]"
mkdir "$work/elsewhere" && cd "$work/elsewhere"   # no checkout, no ../shared
export PATH="$work/venv/bin:$PATH" PHOTOCHECK_MODELS_DIR=
unset PHOTOCHECK_MODELS_DIR

set +e
photocheck check "$work/in/photo.jpg" --applied-on 2026-01-01 --json > check.json; rc=$?
set -e
[ "$rc" -le 1 ] || { echo "photocheck check exited $rc"; exit 1; }
python -c "import json,sys; r=json.load(open('check.json')); assert r['verdict'] in ('accept','review','reject'); assert r['findings']; print('check:', r['verdict'], len(r['findings']), 'findings')"

set +e
photocheck trim "$work/in/scan.jpg" --out trimmed --json > trim.json; rc=$?
set -e
[ "$rc" -le 1 ] || { echo "photocheck trim exited $rc"; cat trim.json; exit 1; }
ls trimmed/*_45x35.jpg > /dev/null
python -c "from PIL import Image; import glob; im=Image.open(glob.glob('trimmed/*_45x35.jpg')[0]); print('trim:', im.size); w,h=im.size; assert abs(w/h-35/45)<0.01"

set +e
photocheck batch "$work/in" --out batch_out --workers 1 --no-progress; rc=$?
set -e
[ "$rc" -le 1 ] || { echo "photocheck batch exited $rc"; exit 1; }
test -s batch_out/results.jsonl && test -s batch_out/summary.csv
echo "batch: $(wc -l < batch_out/results.jsonl) results"

port=$(python -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
PHOTOCHECK_AUTH=disabled photocheck serve --host 127.0.0.1 --port "$port" > serve.log 2>&1 &
server=$!
python - "$port" "$work/in/photo.jpg" <<'PY'
import json, sys, time, urllib.request
port, photo = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
for _ in range(120):  # models load in the lifespan: wait for /healthz, at most 60 s
    try:
        urllib.request.urlopen(base + "/healthz", timeout=2); break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the service did not start")
req = urllib.request.Request(base + "/v1/check", data=open(photo, "rb").read(),
                             headers={"Content-Type": "image/jpeg"}, method="POST")
report = json.load(urllib.request.urlopen(req, timeout=60))
assert report["verdict"] in ("accept", "review", "reject") and report["findings"]
print("serve: /v1/check ->", report["verdict"])
page = urllib.request.urlopen(base + "/", timeout=10).read().decode()
assert "static/app.js" in page, "the page is not served"
for name in ("app.js", "style.css"):
    assert urllib.request.urlopen(f"{base}/static/{name}", timeout=10).status == 200
print("serve: / and its files")
PY
echo "wheel smoke test passed"
