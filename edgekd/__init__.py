"""edgekd: distil a fine-tuned BERT-family classifier into a tiny BiLSTM and ship it as a verified ONNX bundle.

Importing this package is cheap and torch-free; torch is imported only by the modules that train.
"""
from edgekd_contract import __version__  # one version for the distribution

__all__ = ["__version__"]
