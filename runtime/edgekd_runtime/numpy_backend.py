"""The pure-numpy backend: a tiny interpreter that runs a parsed ONNX graph (fp32 or int8) without onnxruntime.

At load it checks every op is known (listing all unknown ones at once), folds the nodes that depend only
on initializers (so weight casts and dequantizations happen once), and prepares the LSTM weights. `run`
then only executes the data-dependent nodes on a per-call dict, so it is safe to call from many threads.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import numpy_qops  # noqa: F401  (registers the quantization ops)
from .errors import BackendUnavailableError, ModelFormatError, UnsupportedOpError
from .manifest import Manifest
from .numpy_lstm import prepare_dq_lstm, prepare_lstm, run_lstm
from .numpy_ops import MS, OPS
from .onnx_proto import Model, Node

_LSTMS = {("", "LSTM"): prepare_lstm, (MS, "DynamicQuantizeLSTM"): prepare_dq_lstm}
_KNOWN_DOMAINS = {"", "ai.onnx", MS}
NUMPY_KINDS = ("bilstm", "siamese_bilstm")   # student kinds this backend runs (manifest `student.kind`)


def check_student_kind(manifest: Manifest) -> None:
    """BackendUnavailableError for a bundle whose student this backend does not run (a transformer)."""
    kind = manifest.student.get("kind", "bilstm")
    if kind not in NUMPY_KINDS:
        raise BackendUnavailableError(f"the numpy backend runs BiLSTM bundles only ({', '.join(NUMPY_KINDS)}); this "
                                      f"bundle's student is {kind!r}: use backend='onnxruntime' (edgekd-run "
                                      "--backend onnxruntime, the default)")


def _domain(node: Node) -> str:
    return "" if node.domain in ("", "ai.onnx") else node.domain


class NumpyGraph:
    """A loaded graph: constants folded, LSTM weights prepared, the remaining nodes in execution order."""

    name = "numpy"

    def __init__(self, model: Model) -> None:
        g = model.graph
        self.opset = int(model.opsets.get("ai.onnx", 0))
        self.input_names = tuple(v.name for v in g.inputs)
        self.output_names = tuple(v.name for v in g.outputs)
        unknown = sorted({f"{n.domain + '.' if n.domain else ''}{n.op_type}" for n in g.nodes
                          if (_domain(n), n.op_type) not in OPS and (_domain(n), n.op_type) not in _LSTMS})
        if unknown:
            raise UnsupportedOpError(f"the numpy backend does not implement {', '.join(unknown)}; "
                                     "use backend='onnxruntime' for this model")
        for n in g.nodes:
            if n.domain not in _KNOWN_DOMAINS:
                raise UnsupportedOpError(f"node {n.name!r} uses the unknown operator domain {n.domain!r}")
        consts: dict[str, np.ndarray] = {k: t.array for k, t in g.initializers.items() if t.array is not None}
        if len(consts) != len(g.initializers):
            raise ModelFormatError("numpy backend needs decoded initializers (parse_model(decode=True))")
        self._plan: list[tuple[Node, Any]] = []
        produced = set(self.input_names) | set(consts) | {""}
        for n in g.nodes:
            missing = [i for i in n.inputs if i not in produced]
            if missing:
                raise ModelFormatError(f"node {n.name!r} ({n.op_type}) reads {missing} before they are produced; "
                                       "the graph is not topologically sorted")
            produced.update(n.outputs)
            key = (_domain(n), n.op_type)
            if key in _LSTMS:
                self._plan.append((n, _LSTMS[key](n, consts)))
            elif all(i == "" or i in consts for i in n.inputs):
                for name, val in zip(n.outputs, self._call(n, consts)):   # fold once at load
                    if name:
                        consts[name] = val
            else:
                self._plan.append((n, None))
        missing_out = [o for o in self.output_names if o not in produced]
        if missing_out:
            raise ModelFormatError(f"graph outputs {missing_out} are produced by no node")
        # Keep only constants the plan (or the outputs) still read: the rest was folded into them.
        needed = {i for n, _ in self._plan for i in n.inputs} | set(self.output_names)
        self._consts = {k: v for k, v in consts.items() if k in needed}
        # Free each intermediate right after its last reader, so a batch holds few activations at once.
        last: dict[str, int] = {}
        for k, (n, _) in enumerate(self._plan):
            for name in (*n.inputs, *n.outputs):
                last[name] = k
        keep = set(self.output_names) | set(self._consts) | {""}
        self._drops = [tuple(x for x in {*n.inputs, *n.outputs} if last.get(x) == k and x not in keep)
                       for k, (n, _) in enumerate(self._plan)]
        for v in self._consts.values():
            v.setflags(write=False)

    def _call(self, n: Node, env: dict[str, np.ndarray]) -> tuple:
        args = [env[i] if i else None for i in n.inputs]
        try:
            return OPS[(_domain(n), n.op_type)](n, args, self.opset)
        except (ValueError, IndexError, TypeError, KeyError) as e:
            raise ModelFormatError(f"numpy backend failed in node {n.name!r} ({n.op_type}): {e}") from None

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Execute the graph on `feeds` (graph input name -> array); returns every graph output."""
        env: dict[str, np.ndarray] = dict(self._consts)
        env.update(feeds)
        for (n, prep), drops in zip(self._plan, self._drops):
            if prep is None:
                outs = self._call(n, env)
            else:
                names = list(n.inputs) + [""] * 5
                seq = env[names[4]] if names[4] else None
                outs = run_lstm(prep, env[n.inputs[0]], seq)
            for name, val in zip(n.outputs, outs):
                if name:
                    env[name] = val
            for name in drops:
                env.pop(name, None)
        return {o: env[o] for o in self.output_names}
