"""`AugmentConfig`: the knobs of Tang et al. (2019) section 3.1, with the paper's defaults and JSON round-trip."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

# Keys that may sit beside the config fields in a transfer set's metadata (written by `build_transfer_set`).
_META_ONLY_KEYS = ("tagger",)


@dataclass(frozen=True)
class AugmentConfig:
    """Per word: mask with p_mask, else POS-swap with p_pos; then keep a random n-gram with p_ng; n_iter rounds.

    The paper's defaults: p_mask = p_pos = 0.1, p_ng = 0.25, n_iter = 20 for single sentences and 10 for pairs
    (`AugmentConfig.for_pairs()` / `AugmentConfig.for_task(pair)`).
    """

    p_mask: float = 0.1
    p_pos: float = 0.1
    p_ng: float = 0.25
    n_iter: int = 20
    ngram_min: int = 1
    ngram_max: int = 5

    def __post_init__(self) -> None:
        for name in ("p_mask", "p_pos", "p_ng"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"AugmentConfig.{name}={v} must lie in [0, 1]")
        if self.p_mask + self.p_pos > 1.0:
            raise ValueError(f"AugmentConfig: p_mask + p_pos = {self.p_mask + self.p_pos} exceeds 1")
        if self.n_iter < 0:
            raise ValueError(f"AugmentConfig.n_iter={self.n_iter} must be >= 0")
        if not 1 <= self.ngram_min <= self.ngram_max:
            raise ValueError(f"AugmentConfig: need 1 <= ngram_min ({self.ngram_min}) <= ngram_max ({self.ngram_max})")

    @classmethod
    def for_pairs(cls, **overrides) -> "AugmentConfig":
        """Paper defaults for sentence-pair tasks (n_iter = 10)."""
        return cls(**{"n_iter": 10, **overrides})

    @classmethod
    def for_task(cls, pair: bool, **overrides) -> "AugmentConfig":
        """Paper defaults for a single-sentence (n_iter 20) or pair (n_iter 10) task; None overrides are ignored."""
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return cls.for_pairs(**overrides) if pair else cls(**overrides)

    def without_pos(self) -> "AugmentConfig":
        """The same config with POS-guided replacement switched off (`--no-pos`)."""
        return replace(self, p_pos=0.0)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "AugmentConfig":
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names - set(_META_ONLY_KEYS)
        if unknown:
            raise ValueError(f"AugmentConfig: unknown field(s) {sorted(unknown)}")
        return cls(**{k: v for k, v in d.items() if k in names})

    @classmethod
    def from_json(cls, s: str) -> "AugmentConfig":
        return cls.from_dict(json.loads(s))
