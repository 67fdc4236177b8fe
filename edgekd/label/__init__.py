"""Teacher-logits cache for a transfer set (resumable, shardable, keyed against staleness); see `run`."""
from .run import chunk_range, label_transfer_set, merge_shards, shard_dir
from .store import CacheError, LogitsCache, StaleCache, TransferIndex, index_transfer, load_logits

__all__ = ["CacheError", "LogitsCache", "StaleCache", "TransferIndex", "chunk_range", "index_transfer",
           "label_transfer_set", "load_logits", "merge_shards", "shard_dir"]
