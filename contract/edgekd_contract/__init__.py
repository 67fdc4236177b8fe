"""edgekd_contract: the student checkpoint contract shared by the training core (writer) and the exporters (reader).

Torch-free and small: `checkpoint` (StudentConfig, the file layout, weights as numpy, the crash-safe
checkpoint write) and `fsutil` (atomic JSON, atomic folder replacement). It imports numpy, and
safetensors when weights are read or written; never torch, `edgekd`, `edgekd_exporters` or `edgekd_runtime`.
"""
__version__ = "0.2.0"   # the edgekd distribution's version (one source; `edgekd.__version__` reads it)
