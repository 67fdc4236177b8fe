"""In a fresh interpreter: the runtime never imports torch, and the numpy backend works with onnxruntime blocked."""
from __future__ import annotations

import json

import pytest

# A meta-path finder that makes `import onnxruntime` fail as if it were not installed.
BLOCK_ORT = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "onnxruntime" or name.startswith("onnxruntime."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
sys.meta_path.insert(0, _Block())
"""


def test_load_and_predict_never_import_torch(run_python, single_dir, pair_dir):
    code = """
import json, sys
from edgekd_runtime import Bundle
out = {}
for backend in ("onnxruntime", "numpy"):
    for path, items in ((sys.argv[1], ["a good film", ""]), (sys.argv[2], [("a", "b")])):
        r = Bundle.load(path, backend=backend).predict(items)
        out[backend] = list(r.labels)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers", "onnx", "safetensors", "edgekd"))
print(json.dumps({"torch": "torch" in sys.modules, "heavy": heavy, "out": out}))
"""
    r = run_python(code, str(single_dir), str(pair_dir))
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.splitlines()[-1])
    assert res["torch"] is False and res["heavy"] == [], res
    assert set(res["out"]) == {"onnxruntime", "numpy"}


def test_cli_never_imports_torch(run_python, single_dir):
    code = """
import sys
from edgekd_runtime.cli import main
try:
    main(["predict", sys.argv[1], "some text"])
except SystemExit as e:
    assert e.code in (0, None), e.code
print("TORCH" if "torch" in sys.modules else "CLEAN")
"""
    r = run_python(code, str(single_dir))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "CLEAN"


def test_numpy_backend_without_onnxruntime(run_python, single_dir, pair_dir):
    code = BLOCK_ORT + """
import json, sys
import edgekd_runtime
from edgekd_runtime import BackendUnavailableError, Bundle
assert "onnxruntime" not in sys.modules
r = Bundle.load(sys.argv[1], backend="numpy").predict(["a good film", "", "日本語"])
p = Bundle.load(sys.argv[2], backend="numpy").predict([("a", "b")])
try:
    Bundle.load(sys.argv[1])
    ort = "loaded?!"
except BackendUnavailableError as e:
    ort = str(e)
print(json.dumps({"labels": list(r.labels), "pair": list(p.labels), "ort": ort,
                  "imported": "onnxruntime" in sys.modules}))
"""
    r = run_python(code, str(single_dir), str(pair_dir))
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.splitlines()[-1])
    assert len(res["labels"]) == 3 and len(res["pair"]) == 1 and res["imported"] is False
    assert "onnxruntime is not installed" in res["ort"]


def test_cli_without_onnxruntime(run_python, single_dir):
    code = BLOCK_ORT + """
import sys
from edgekd_runtime.cli import main
sys.argv = ["edgekd-run", *sys.argv[1:]]
main()
"""
    ok = run_python(code, "predict", str(single_dir), "--backend", "numpy", "fine")
    assert ok.returncode == 0 and '"label"' in ok.stdout, ok.stderr
    bad = run_python(code, "predict", str(single_dir), "fine")
    assert bad.returncode == 3 and "onnxruntime is not installed" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_streams_before_stdin_ends(single_dir):
    # The first answer must come back while stdin is still open: nothing waits for the whole input.
    import os
    import select
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "edgekd_runtime.cli", "predict", str(single_dir), "--chunk-size",
                             "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    try:
        proc.stdin.write("a good film\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no output within 60 s while stdin stays open: predict is not streaming"
        first = proc.stdout.readline()
        assert json.loads(first)["label"]
        proc.stdin.write("another one\n")
        proc.stdin.close()
        rest = proc.stdout.read()
        assert proc.wait(timeout=30) == 0 and len(rest.splitlines()) == 1
    finally:
        proc.kill()


@pytest.mark.parametrize("backend", ["onnxruntime", "numpy"])
def test_peak_rss_child(single_dir, backend):
    from edgekd_runtime.bench import peak_rss
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    m = peak_rss(single_dir, backend, None, 1, None)
    assert 0 < m["import_rss_mb"] <= m["loaded_rss_mb"] <= m["batch1_rss_mb"] <= m["peak_rss_mb"] < 1000
    assert m["torch_imported"] is False
