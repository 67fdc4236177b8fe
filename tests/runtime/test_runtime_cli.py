"""`edgekd-run` verbs through click's CliRunner: output formats, stdin/JSONL, chunked streaming, exit codes."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edgekd_runtime import Bundle
from edgekd_runtime.cli import main


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_predict_args_match_library(single_dir):
    texts = ["a good film", "", "it is a very very long story " * 12]
    r = run("predict", single_dir, *texts, "--probs", "--backend", "numpy")
    assert r.exit_code == 0, r.output
    recs = _jsonl(r.stdout)
    want = Bundle.load(single_dir, backend="numpy").predict(texts)
    assert [x["label"] for x in recs] == list(want.labels)
    assert recs[0]["probs"]["0"] == pytest.approx(float(want.probabilities[0, 0]), abs=1e-6)
    assert recs[2]["truncated"] is True and "truncated" not in recs[0]
    assert "1 of 3 inputs were longer than" in r.stderr


def test_predict_stdin_lines_and_jsonl_agree(single_dir):
    texts = ["good fun", "", "  ", "dull , slow and long", "ünïcödé ✓"]
    lines = run("predict", single_dir, input="\n".join(texts) + "\n")
    jsonl = run("predict", single_dir, "--echo", input="".join(json.dumps({"text": t}) + "\n" for t in texts))
    assert lines.exit_code == 0 and jsonl.exit_code == 0, (lines.output, jsonl.output)
    a, b = _jsonl(lines.stdout), _jsonl(jsonl.stdout)
    assert len(a) == len(texts) and [x["label"] for x in a] == [x["label"] for x in b]
    assert [x["text"] for x in b] == texts


def test_predict_line_endings(single_dir):
    # CRLF ends a line; a lone CR inside a line is text, not a line break.
    r = run("predict", single_dir, "--echo", input="one\r\ntwo\rstill two\nthree")
    assert r.exit_code == 0, r.output
    assert [x["text"] for x in _jsonl(r.stdout)] == ["one", "two\rstill two", "three"]


def test_predict_streams_in_chunks(single_dir, monkeypatch):
    sizes = []
    real = Bundle.predict

    def spy(self, items, **kw):
        sizes.append(len(items))
        return real(self, items, **kw)

    monkeypatch.setattr(Bundle, "predict", spy)
    r = run("predict", single_dir, "--chunk-size", 7, input="".join(f"text {i}\n" for i in range(30)))
    assert r.exit_code == 0, r.output
    assert sizes == [7, 7, 7, 7, 2] and len(_jsonl(r.stdout)) == 30


def test_predict_pairs(pair_dir):
    ok = run("predict", pair_dir, "a man eats", "someone is eating", "x", "y", "-f", "table", "--probs")
    assert ok.exit_code == 0 and len(ok.stdout.splitlines()) == 3 and "|||" in ok.stdout
    tsv = run("predict", pair_dir, input="a\tb\nc\td\n")
    jl = run("predict", pair_dir, input='{"text": "a", "text_pair": "b"}\n{"text": "c", "text_pair": "d"}\n')
    assert _jsonl(tsv.stdout) == _jsonl(jl.stdout) and len(_jsonl(tsv.stdout)) == 2


@pytest.mark.parametrize("args,stdin,needle", [
    (["A", "B", "C"], None, "in pairs"),                                        # odd TEXT count, pair model
    ([], "only one side\n", "TAB"),                                             # plain line, pair model
    ([], '{"text": "a"}\n', "text_pair"),                                       # JSONL without text_pair
    ([], '{"text": "a", "text_pair": "b"}\n{broken\n', "line 2: not valid JSON"),
])
def test_input_errors_exit_2(pair_dir, args, stdin, needle):
    r = run("predict", pair_dir, *args, input=stdin)
    assert r.exit_code == 2 and needle in r.stderr and "Traceback" not in r.output


def test_jsonl_needs_text_field(single_dir):
    r = run("predict", single_dir, input='{"sentence": "a"}\n')
    assert r.exit_code == 2 and '"text"' in r.stderr


def test_usage_errors_exit_2(single_dir):
    assert run("predict").exit_code == 2
    assert run("predict", single_dir, "--format", "xml", "x").exit_code == 2
    assert run("predict", single_dir, "x", "--input", "-").exit_code == 2


def test_bad_bundle_exit_3_one_line(single_copy):
    (single_copy / "tokenizer.json").write_text("{}")
    for verb in (["predict", single_copy, "x"], ["info", single_copy], ["bench", single_copy, "--no-rss"]):
        r = run(*verb)
        assert r.exit_code == 3, (verb, r.output)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("edgekd-run: error:") and "tokenizer.json" in r.stderr
    assert run("info", single_copy.parent / "missing").exit_code == 3


def test_info(single_dir):
    r = run("info", single_dir)
    assert r.exit_code == 0 and "model.int8.onnx" in r.stdout and "verified" in r.stdout
    j = json.loads(run("info", single_dir, "--json").stdout)
    assert j["verified"] and j["manifest"]["task"] == "sst2"


def test_bench_json(single_dir, tmp_path):
    texts = tmp_path / "t.txt"
    texts.write_text("a good film\nthe worst movie ever\n\nfun\n")
    r = run("bench", single_dir, "--texts", texts, "--threads", 1, "--iters", 20, "--batch", 8, "--no-rss", "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    row = res["rows"][0]
    assert res["num_texts"] == 4 and row["threads"] == 1 and row["latency"]["iters"] == 20
    assert 0 < row["latency"]["p50_ms"] <= row["latency"]["p95_ms"] <= row["latency"]["p99_ms"]
    assert row["throughput"]["batch"] == 8 and row["throughput"]["sentences_per_s"] > 0


def test_bench_with_device_profile(single_dir, tmp_path):
    prof = tmp_path / "tiny-device.toml"
    prof.write_text('name = "tiny"\nthreads = 2\nbatch_sizes = [1, 4]\n[onnxruntime]\ngraph_optimization_level = "basic"\n')
    r = run("bench", single_dir, "--profile", prof, "--iters", 10, "--batch", 4, "--no-rss", "--json")
    assert r.exit_code == 0, r.output
    assert [row["threads"] for row in json.loads(r.stdout)["rows"]] == [1, 2]
    bad = tmp_path / "bad.toml"
    bad.write_text("threads = [")
    assert run("bench", single_dir, "--profile", bad, "--no-rss").exit_code == 2
    assert run("predict", single_dir, "x", "--profile", tmp_path / "nope.toml").exit_code == 2


def test_iter_items_modes():
    from edgekd_runtime.textio import iter_items
    assert list(iter_items(["\n", "{\"text\": \"a\"}\n", "\n", "{\"text\": \"b\"}"], pair=False)) == ["a", "b"]
    assert list(iter_items(["\n", "plain\n", "\n"], pair=False)) == ["", "plain", ""]
    assert list(iter_items(["\n", " \n"], pair=False)) == ["", " "]
    assert list(iter_items(['{"text": "a"}\n'], pair=False, mode="text")) == ['{"text": "a"}']
