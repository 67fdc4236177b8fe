"""edgekd: distil a fine-tuned BERT-family classifier into a tiny BiLSTM and ship it as a verified ONNX bundle.

Importing this package is cheap and torch-free; torch is imported only by the modules that train.
"""
__version__ = "0.2.0"
