"""`edgekd build`: the whole chain, data to deployed bundle, with stages skipped when their artifacts are valid."""
from __future__ import annotations

from pathlib import Path

import click

from ..distill.config import OPTIMIZERS
from ..pipeline.presets import PRESETS
from ..student.registry import NAMES as STUDENT_FAMILIES
from .common import data_options, engine_options, friendly_errors, make_engine


@click.command("build")
@data_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Run folder: one sub-folder per stage, summary.json, and the bundle under export/bundle.")
@click.option("--teacher", "teacher_id", default=None,
              help="HF id or folder (fine-tuned or not); default: the packaged all-MiniLM-L6-v2.")
@click.option("--preset", type=click.Choice(PRESETS), default="quick", show_default=True,
              help="quick: ~10-15 min on 2 CPU cores; paper: Tang et al. settings on all the data; few-labels: a "
                   "small labelled train file plus --unlabeled text (see benchmarks/few_labels.py).")
@click.option("--device", default="host", show_default=True,
              help="Device profile for the profile stage: 'host' profiles this machine (a profile generated from "
                   "its CPU, written beside the results); a name from devices/ or a .toml path must describe this "
                   "host, which is checked before the first stage.")
@click.option("--n-iter", type=int, default=None, help="Override the augmentation rounds per example.")
@click.option("--epochs", type=int, default=None, help="Override the student's epochs.")
@click.option("--optimizer", type=click.Choice(tuple(OPTIMIZERS)), default=None,
              help="Override the student's optimizer.")
@click.option("--time-budget", type=float, default=None, help="Stop student training after this many minutes.")
@click.option("--caps/--no-caps", default=True, show_default=True,
              help="The quick preset's stage time caps (teacher 4, labelling 2, student 2.5, baseline 1 minute), "
                   "which keep it near 15 minutes on any 2-core CPU; --no-caps trains the teacher a full epoch and "
                   "labels the whole transfer set (about 37 minutes on a 2-core AVX2 CPU, 13 with AMX).")
@click.option("--teacher-examples", type=int, default=None, help="Override the teacher's training subset size.")
@click.option("--no-pos", is_flag=True, help="Disable POS-guided replacement (no tagger needed); recorded.")
@click.option("--unlabeled", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Your own unlabeled text for the transfer set (plain lines, or JSONL {text} / {text, "
                   "text_pair}); the teacher labels it. Keyed by its content hash.")
@click.option("--augment-unlabeled/--no-augment-unlabeled", default=False, show_default=True,
              help="Also augment the unlabeled text.")
@click.option("--loss", type=click.Choice(("mse", "kl", "hard_soft")), default=None,
              help="Override the student's loss (hard_soft: --alpha x CE on the teacher's argmax + (1 - alpha) x MSE).")
@click.option("--alpha", type=float, default=None, help="Override the hard-label weight (hard_soft default 0.5).")
@click.option("--repr-weight", type=float, default=None,
              help="Override the weight of the representation loss (MSE between a learned projection of the "
                   "student's pooled state and the teacher's [CLS] state; the label stage then also caches it).")
@click.option("--init-from", type=click.Path(exists=True, file_okay=False), default=None,
              help="Start the distilled student's encoder from a pre-distilled one (`edgekd pretrain-student`); "
                   "the baseline stays a plain gold-label student.")
@click.option("--seed", type=int, default=None,
              help="Override the seed of the teacher's fine-tuning, the augmentation and the student.")
@click.option("--student", type=click.Choice(STUDENT_FAMILIES), default=STUDENT_FAMILIES[0], show_default=True,
              help="Student family (docs/students.md): the BiLSTM; a TinyBERT-style transformer built from the "
                   "teacher's own layers (layer-wise then logit distillation; no gold-label baseline); or the static "
                   "student (the teacher's word-piece table, mean+max pooled, then an MLP; the fastest).")
@click.option("--layers", type=int, default=None, help="Layers, for a student family that has them (the "
                                                       "transformer: default 3).")
@click.option("--no-baseline", is_flag=True, help="Skip the gold-label BiLSTM baseline.")
@click.option("--no-profile", is_flag=True, help="Skip the profile stage.")
@click.option("--force", multiple=True, help="Rerun this stage even if it is up to date (repeatable).")
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
@click.option("--progress/--no-progress", default=True, show_default=True)
@engine_options
@friendly_errors
def build(data, out, teacher_id, preset, device, n_iter, epochs, optimizer, time_budget, caps, teacher_examples, no_pos,
          unlabeled, augment_unlabeled, loss, alpha, repr_weight, init_from, seed, student, layers, no_baseline,
          no_profile, force, threads, progress, engine_opts):
    """Teacher -> augment -> label -> distill (+ no-distill baseline) -> export int8 -> validate -> profile.

    Rerunning skips every stage whose inputs and config are unchanged; a changed option reruns exactly the
    stages it affects and says why; an interrupted run resumes (labelling continues chunk by chunk).
    The label stage runs on --engine (a Ray actor pool with --engine ray); the engine is not part of any
    stage key, since both write the same cache.
    """
    from ..augment.unlabeled import UnlabeledOptions
    from ..pipeline.chain import run_build, summary_text

    if augment_unlabeled and unlabeled is None:
        raise click.UsageError("--augment-unlabeled needs --unlabeled FILE")

    overrides = dict(n_iter=n_iter, epochs=epochs, optimizer=optimizer, time_budget=time_budget,
                     teacher_examples=teacher_examples, no_pos=no_pos, baseline=not no_baseline,
                     profile=not no_profile, loss=loss, alpha=alpha, repr_weight=repr_weight,
                     init_from=init_from, seed=seed, student=student, layers=layers, caps=caps)
    summary = run_build(data, out, preset=preset, overrides=overrides, teacher=teacher_id, device=device,
                        threads=threads, progress=progress, force=tuple(force),
                        label_engine=make_engine(engine_opts, threads=threads),
                        unlabeled=UnlabeledOptions(unlabeled, augment_unlabeled) if unlabeled else None,
                        log=lambda m: click.echo(m, err=True))
    click.echo(summary_text(summary))
