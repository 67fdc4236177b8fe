"""Teacher-logits cache for a transfer set (resumable, keyed against staleness, labelled here or on Ray); see `run`."""
from .engine import EngineUnavailable, LocalEngine, RayEngine
from .run import label_transfer_set
from .store import CacheError, LogitsCache, StaleCache, TransferIndex, index_transfer, load_logits

__all__ = ["CacheError", "EngineUnavailable", "LocalEngine", "LogitsCache", "RayEngine", "StaleCache",
           "TransferIndex", "index_transfer", "label_transfer_set", "load_logits"]
