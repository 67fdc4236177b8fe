"""Transfer-set augmentation of Tang et al. (2019): masking, POS-guided replacement, n-gram sampling."""
from .config import AugmentConfig
from .pos import DEFAULT_TAGGERS, INSTALL_HINT, SpacyTagger, TaggerNotFound, load_tagger
from .transfer import build_transfer_set, meta_path, read_meta, read_transfer_set

__all__ = ["AugmentConfig", "DEFAULT_TAGGERS", "INSTALL_HINT", "SpacyTagger", "TaggerNotFound", "build_transfer_set",
           "load_tagger", "meta_path", "read_meta", "read_transfer_set"]
