"""The distill stage as one library call: student shape for the task, embedding init, teacher dev scores, training.

Both `edgekd distill` (`run_distill`) and `edgekd build` go through `train_student`, so a build and a hand-run
produce the same student for the same settings. Importing this module does not load torch.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgekd_contract.checkpoint import StudentConfig
from edgekd_contract.kinds import DEFAULT_FAMILY

from .distill.config import DistillConfig, LayerwiseConfig
from .inputs import DataOptions
from .student.data import TrainRows
from .student.embeddings import teacher_dir_files, teacher_embedding_table
from .student.registry import NAMES
from .tasks import DataError, Dataset, Task
from .teacher.config import TEACHER


@dataclass(frozen=True)
class StudentShape:
    """The student's family and size, turned into a StudentConfig by the family's config factory
    (`student_config` of its module in `edgekd.student.registry`). None sizes take the family's defaults
    (BiLSTM: the paper's, larger for pairs; transformer: the teacher's width, so it can start from its layers)."""

    embed_dim: int = 128             # transformer: None -> 384
    hidden_size: int | None = None   # None: the family's default
    mlp_size: int | None = None      # None: the family's default
    dropout: float = 0.1
    max_length: int = 64
    family: str = DEFAULT_FAMILY     # a name of `edgekd.student.registry.NAMES`
    num_layers: int = 3              # families with layers (the transformer)
    num_heads: int = 12              # families with attention heads (the transformer)

    def key_dict(self) -> dict:
        """The fields that shape a student of this family (the family's `shape_key`: a BiLSTM's key is as before
        other families existed)."""
        from .student.registry import hook

        return hook(self.family, "shape_key")(asdict(self))

    def __post_init__(self) -> None:
        if self.family not in NAMES:
            raise ValueError(f"unknown student family {self.family!r}; known: {', '.join(NAMES)}")


def student_config(task: Task, shape: StudentShape = StudentShape()) -> StudentConfig:
    """The StudentConfig for `task` (vocab_size is set by training), from the family's config factory."""
    from .student.registry import hook

    return hook(shape.family, "student_config")(task, shape)


def teacher_dev_logits(teacher_dir: Path, task: Task, dev: Dataset, log=print) -> np.ndarray | None:
    """The teacher's dev logits when it has a head for this task (a fresh head would mean nothing)."""
    from .teacher.model import load_teacher, teacher_logits

    conf = json.loads((teacher_dir / "config.json").read_text())
    if not any(a.endswith("ForSequenceClassification") for a in conf.get("architectures") or []):
        log(f"note: {teacher_dir} has no classification head; teacher dev score skipped")
        return None
    teacher = load_teacher(str(teacher_dir), task.num_labels, device="cpu", labels=task.labels)
    if not teacher.has_head:
        log(f"note: {teacher_dir} has no head for {task.name}; teacher dev score skipped")
        return None
    return teacher_logits(teacher, dev.texts, dev.text_pairs, max_length=TEACHER.max_length)


def train_student(task: Task, rows: TrainRows, dev: Dataset, out: str | Path, *, teacher: str | None,
                  cfg: DistillConfig, scfg: StudentConfig, teacher_dev: bool = True, threads: int | None = None,
                  progress: bool = True, provenance: dict | None = None, log=print,
                  layerwise: LayerwiseConfig = LayerwiseConfig()) -> dict[str, Any]:
    """Train one student (distilled, or gold-only when cfg.loss == "ce") and return its metrics record.
    A distilled student starts where its family's `student_init` says (the transformer: TinyBERT's layer-wise
    stage, `layerwise`); a gold-only or --init-from student starts from its table or checkpoint."""
    from .distill.train import distill
    from .student.registry import hook

    tdir = teacher_dir_files(teacher)
    init = None
    if cfg.loss != "ce" and not cfg.init_from:
        init = hook(scfg.family, "student_init")(tdir, cfg, layerwise, progress)
    embed_init = cfg.embed_init
    table = teacher_embedding_table(tdir) if embed_init == "teacher" or Path(embed_init).is_file() else None
    dev_teacher = teacher_dev_logits(tdir, task, dev, log=log) if teacher_dev else None
    return distill(cfg, scfg, rows, dev, out, tokenizer_file=tdir / "tokenizer.json", metric=task.metric,
                   embedding_table=table, dev_teacher_logits=dev_teacher,
                   provenance={"teacher": str(tdir), **(provenance or {})}, threads=threads, progress=progress,
                   student_init=init)


def training_rows(task: Task, train: Dataset | None, transfer: str | Path | None = None,
                  logits_dir: str | Path | None = None, originals_only: bool = False,
                  reps: bool = False) -> tuple[TrainRows, dict]:
    """(rows, provenance): the transfer set's rows (else the original training rows), with the teacher logits of
    `logits_dir` when given (recorded in the provenance) and, with `reps`, its teacher representations,
    optionally only the un-augmented rows."""
    from .student.data import read_logits, read_transfer

    provenance: dict = {}
    rows = read_transfer(transfer, task.pair) if transfer is not None else TrainRows.from_dataset(train)
    if logits_dir is not None:
        header = Path(logits_dir) / "cache.json"
        cache = json.loads(header.read_text()) if header.is_file() else {}
        if cache.get("chunks_done") is not None:      # a label time budget labelled these rows only
            from .label.store import load_labelled

            have, logits = load_labelled(logits_dir, transfer)
        else:
            have, logits = None, read_logits(logits_dir, transfer)
        rows = rows.with_logits(logits, source=rows.source)
        provenance["logits_cache"] = {"dir": str(logits_dir), "cache": cache}
        if reps:
            from .label.store import load_representations

            rows = rows.with_reps(load_representations(logits_dir))
        if have is not None:
            rows = rows.subset(have)
    if originals_only:
        rows = rows.originals()
    return rows, provenance


def run_distill(data: DataOptions, out: str | Path, *, teacher: str | None, cfg: DistillConfig,
                shape: StudentShape = StudentShape(), no_distill: bool = False, transfer: str | Path | None = None,
                logits_dir: str | Path | None = None, originals_only: bool = False, teacher_dev: bool = True,
                threads: int | None = None, progress: bool = True, log=print,
                layerwise: LayerwiseConfig = LayerwiseConfig()) -> tuple[Task, dict[str, Any]]:
    """`edgekd distill`: check the inputs fit the mode, load the data and rows, train; (task, metrics record)."""
    if no_distill and (transfer or logits_dir):
        raise DataError("--no-distill trains on gold labels only; drop --transfer/--logits")
    if not no_distill and logits_dir is None:
        raise DataError("distillation needs teacher logits: pass --logits DIR (from `edgekd label`), "
                        "or --no-distill for the gold-label baseline")
    t, train, dev = data.load(need_train=transfer is None)
    rows, provenance = training_rows(t, train, transfer, logits_dir, originals_only, reps=cfg.repr_weight > 0)
    rec = train_student(t, rows, dev, out, teacher=teacher, cfg=cfg, scfg=student_config(t, shape),
                        teacher_dev=teacher_dev, threads=threads, progress=progress, provenance=provenance, log=log,
                        layerwise=layerwise)
    return t, rec


def summary_line(task: Task, rec: dict[str, Any]) -> str:
    """One readable line about a trained student."""
    best = rec.get("dev", {})
    line = (f"student {task.name} ({rec['mode']}): dev {task.metric}={best.get(task.metric, float('nan')):.4f} "
            f"accuracy={best.get('accuracy', float('nan')):.4f} at epoch {rec.get('best_epoch')}; "
            f"{rec['train_rows']} train rows, {rec['examples_per_s']:.0f} ex/s, "
            f"params {rec['params']['total']:,} ({rec['params']['without_embeddings']:,} without embeddings), "
            f"vocab {rec['vocab']['size']} (dev coverage {rec['vocab']['dev_coverage']:.3f})")
    if "teacher_dev" in rec:
        line += f"; teacher dev {task.metric}={rec['teacher_dev'][task.metric]:.4f}"
    return line
