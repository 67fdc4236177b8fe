"""Build presets: one frozen BuildConfig per preset, made of each stage's own config.

`quick` is the README's main command (about 13 minutes on a 2-core CPU): one full teacher epoch with the word
embeddings frozen (with the fused AdamW step: 233-287 ex/s against 157 before, on 2 threads, at about the same
SST-2 dev accuracy in our runs), two augmentation rounds over every original, and 3 student epochs with a linear
LR decay (3-minute cap). A stronger teacher mattered more than more transfer rows: an 800-step teacher (87.2)
left its student no room above the gold-label baseline. `paper` follows Tang et al.
2019: a full teacher epoch, n_iter 20 (10 for pairs), AdaDelta (lr 1.0, rho 0.95), batch 50, MSE on logits.
`few-labels` is the XtremeDistil setting (`benchmarks/few_labels.py`): the training file holds a few hundred or
thousand labelled rows and `--unlabeled` brings the text. The teacher takes 10 epochs over them, the transfer set
is the labelled rows plus the unlabeled text without augmentation (`--n-iter` and `--augment-unlabeled` add it),
and the gold-label baseline gets 30 epochs, since 3 epochs of 500 rows are only 30 steps.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from edgekd_contract.kinds import DEFAULT_FAMILY

from ..augment.config import AugmentConfig
from ..distill.config import DistillConfig, LayerwiseConfig, gold_only
from ..student_stage import StudentShape
from ..teacher.config import TEACHER, FinetuneConfig


@dataclass(frozen=True)
class BuildConfig:
    preset: str
    finetune: FinetuneConfig
    augment: AugmentConfig
    augment_seed: int = 0
    no_pos: bool = False
    label_max_length: int = TEACHER.max_length   # teacher truncation; 64 covers SST-2's sentences (the student's)
    label_bf16: bool = True
    label_time_budget_min: float | None = None   # stop labelling after this long (a random sample of chunks)
    distill: DistillConfig = field(default_factory=DistillConfig)
    student: StudentShape = field(default_factory=StudentShape)
    layerwise: LayerwiseConfig = field(default_factory=LayerwiseConfig)   # families with a layer-wise stage
    baseline: bool = True             # also train the same student on gold labels only, to measure the gain
    baseline_epochs: int | None = None  # the baseline's epochs; None: the student's (distill.epochs)
    baseline_time_budget_min: float | None = None   # the baseline's training cap; None: the student's
    precision: str = "int8"           # the deployable bundle; `edgekd export --precision both` adds fp32
    quant: str = "default"
    max_drop: float = 0.5             # int8 accuracy-drop budget, points
    profile: bool = True
    profile_quick: bool = True        # few iterations; `edgekd profile` makes the committed full runs

    def to_dict(self) -> dict:
        return asdict(self)

    def gold_distill(self) -> DistillConfig:
        """The baseline's settings: the student's, on gold labels only (CE, no teacher term and no pre-distilled
        encoder), for baseline_epochs."""
        gold = replace(gold_only(self.distill), epochs=self.baseline_epochs or self.distill.epochs)
        if self.baseline_time_budget_min is not None:
            gold = replace(gold, time_budget_min=self.baseline_time_budget_min)
        return gold


PRESETS = ("quick", "paper", "few-labels")
# The quick preset's time caps per stage, in minutes, so that it ends within ~15 minutes (setup included) on any
# 2-core x86-64 or arm64 host. Where the teacher or a student cannot finish in time, its schedule is shortened to
# fit (edgekd.schedule.TimePlan: the LR still decays to zero), and the labeller labels a random sample of the
# transfer set's chunks. What each stage got is in its record (see the README for the accuracy this costs).
QUICK_BUDGETS_MIN = {"teacher": 4.0, "label": 2.0, "distill": 2.5, "baseline": 1.0}


def preset(name: str, pair: bool) -> BuildConfig:
    """The named preset for a single-sentence or a pair task."""
    aug = AugmentConfig.for_task(pair)
    if name == "quick":
        b = QUICK_BUDGETS_MIN
        cfg = BuildConfig(
            preset="quick",
            finetune=FinetuneConfig(epochs=1.0, eval_every=500, bf16=True, max_length=TEACHER.max_length,
                                    freeze_word_embeddings=True, time_budget_min=b["teacher"]),
            augment=replace(aug, n_iter=2),
            label_max_length=64, label_time_budget_min=b["label"],
            distill=DistillConfig(optimizer="adam", epochs=3, patience=0, eval_every=1000, lr_schedule="linear",
                                  time_budget_min=b["distill"]),
            baseline_time_budget_min=b["baseline"],
        )
        if pair:  # small pair datasets: fine-tune the teacher on all of it, a few epochs
            cfg = replace(cfg, finetune=replace(cfg.finetune, max_train_examples=None, epochs=3.0, eval_every=100),
                          label_max_length=TEACHER.max_length,
                          augment=replace(aug, n_iter=2), distill=replace(cfg.distill, epochs=4))
        return cfg
    if name == "paper":
        return BuildConfig(
            preset="paper",
            finetune=FinetuneConfig(epochs=3.0 if pair else 1.0, eval_every=100 if pair else 400, bf16=True),
            augment=aug,
            label_max_length=TEACHER.max_length if pair else 64,
            # A ~900k-row SST-2 transfer set makes epochs long: evaluate every 3000 steps (150k rows) instead.
            distill=DistillConfig(loss="mse", alpha=0.0, optimizer="adadelta", rho=0.95, batch_size=50, epochs=10,
                                  patience=3 if not pair else 2, eval_every=0 if pair else 3000),
            profile_quick=False,
        )
    if name == "few-labels":
        q = uncapped(preset("quick", pair))
        return replace(q, preset="few-labels",
                       finetune=replace(q.finetune, max_train_examples=None, epochs=10.0, eval_every=50),
                       augment=replace(aug, n_iter=0), baseline_epochs=30, profile=False)
    raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")


def uncapped(cfg: BuildConfig) -> BuildConfig:
    """`cfg` without the quick preset's stage caps (the students keep the 3-minute cap they had before)."""
    return replace(cfg, finetune=replace(cfg.finetune, time_budget_min=None), label_time_budget_min=None,
                   baseline_time_budget_min=None,
                   distill=replace(cfg.distill, time_budget_min=3.0 if cfg.distill.time_budget_min else None))


def build_config(name: str, pair: bool, *, n_iter: int | None = None, epochs: int | None = None,
                 optimizer: str | None = None, time_budget: float | None = None, teacher_examples: int | None = None,
                 no_pos: bool = False, baseline: bool = True, profile: bool = True, loss: str | None = None,
                 alpha: float | None = None, repr_weight: float | None = None,
                 init_from: str | None = None, seed: int | None = None, student: str = DEFAULT_FAMILY,
                 layers: int | None = None, caps: bool = True) -> BuildConfig:
    """The preset `name` with `edgekd build`'s overrides applied (None keeps the preset's value); `caps=False`
    drops the quick preset's stage time caps. The student family adapts the preset (its `build_preset` hook: the
    transformer's TinyBERT schedule, the static student's shape)."""
    from ..student.registry import hook

    cfg = preset(name, pair) if caps else uncapped(preset(name, pair))
    cfg = hook(student, "build_preset")(cfg, pair, layers)
    if n_iter is not None:
        cfg = replace(cfg, augment=replace(cfg.augment, n_iter=n_iter))
    if epochs is not None:
        cfg = replace(cfg, distill=replace(cfg.distill, epochs=epochs))
    if optimizer is not None:
        cfg = replace(cfg, distill=replace(cfg.distill, optimizer=optimizer))
    if time_budget is not None:
        cfg = replace(cfg, distill=replace(cfg.distill, time_budget_min=time_budget))
    if loss is not None:   # hard_soft without an alpha mixes half and half
        a = alpha if alpha is not None else (0.5 if loss == "hard_soft" else cfg.distill.alpha)
        cfg = replace(cfg, distill=replace(cfg.distill, loss=loss, alpha=a))
    elif alpha is not None:
        cfg = replace(cfg, distill=replace(cfg.distill, alpha=alpha))
    if repr_weight is not None:
        cfg = replace(cfg, distill=replace(cfg.distill, repr_weight=repr_weight))
    if init_from is not None:   # the distill stage's key also holds the encoder's weights hash (chain.py)
        cfg = replace(cfg, distill=replace(cfg.distill, init_from=str(Path(init_from).resolve())))
    if teacher_examples is not None:
        cfg = replace(cfg, finetune=replace(cfg.finetune, max_train_examples=teacher_examples))
    if seed is not None:   # the teacher's, the augmentation's and the student's seed
        cfg = replace(cfg, finetune=replace(cfg.finetune, seed=seed), augment_seed=seed,
                      distill=replace(cfg.distill, seed=seed))
    return replace(cfg, no_pos=no_pos, baseline=baseline and cfg.baseline, profile=profile and cfg.profile)
