"""Step costs of the transformer student's training, interleaved, one torch thread: a logit-stage step with the word
embeddings trainable vs frozen, a layer-wise step, and the teacher forward the layer-wise step needs (what caching
the teacher's hidden states and attention scores would save).

    python benchmarks/tinybert_steps.py --teacher runs/quick-sst2/teacher/model --transfer runs/quick-sst2/augment/transfer.jsonl
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--teacher", required=True)
    ap.add_argument("--transfer", required=True)
    ap.add_argument("--pair", action="store_true")
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=15)
    a = ap.parse_args()
    torch.set_num_threads(1)
    from edgekd.distill.layerwise import QKRecorder
    from edgekd.layer_losses import tinybert_layer_losses, uniform_layer_map
    from edgekd.student.data import read_transfer
    from edgekd.student_stage import StudentShape, student_config
    from edgekd.student.registry import build_student
    from edgekd.distill.tinybert import init_from_teacher, teacher_layers
    from edgekd.tasks import get_task
    from edgekd.teacher.model import load_teacher
    from edgekd_exporters.bert_student import bert_inputs

    task = get_task("mrpc" if a.pair else "sst2")
    teacher = load_teacher(a.teacher, task.num_labels, device="cpu")
    tok = teacher.tokenizer
    rows = read_transfer(a.transfer, a.pair)
    rng = np.random.default_rng(0)
    vt = teacher.model.config.vocab_size
    cfg = student_config(task, StudentShape(family="transformer", num_layers=a.layers))
    from dataclasses import replace
    cfg = replace(cfg, vocab_size=vt, teacher_vocab_size=vt)    # whole vocabulary: same cost per step as pruned
    model = build_student(cfg)
    init_from_teacher(model, teacher.model, np.arange(vt), tok.cls_token_id, tok.sep_token_id,
                      teacher_layers(a.layers, teacher.model.config.num_hidden_layers))

    def batch():
        idx = rng.choice(len(rows), a.batch, replace=False)
        sides = [[rows.texts[i] for i in idx]] + ([[rows.text_pairs[i] for i in idx]] if a.pair else [])
        out = []
        for s in sides:
            enc = tok(s, add_special_tokens=False, truncation=True, max_length=64, padding=True, return_tensors="pt")
            out += [enc["input_ids"], enc["attention_mask"].sum(1).clamp_min(1)]
        return out

    lmap = uniform_layer_map(a.layers, teacher.model.config.num_hidden_layers)
    s_rec, t_rec = QKRecorder(model.bert), QKRecorder(teacher.model.bert)
    emb = model.bert.embeddings.word_embeddings.weight
    times: dict[str, list[float]] = {"logit_step_trainable_emb": [], "logit_step_frozen_emb": [],
                                     "layerwise_student_step": [], "teacher_forward": []}
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)
    for _ in range(a.rounds):
        args = batch()
        for frozen in (False, True):
            emb.requires_grad_(not frozen)
            t0 = time.perf_counter()
            loss = model(*args).pow(2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            times["logit_step_frozen_emb" if frozen else "logit_step_trainable_emb"].append(time.perf_counter() - t0)
        emb.requires_grad_(False)
        t0 = time.perf_counter()
        with torch.no_grad():
            x, types, mask = bert_inputs(args[0], args[1], tok.cls_token_id, tok.sep_token_id, tok.pad_token_id,
                                         *args[2:])
            t_out = teacher.model.bert(input_ids=x, token_type_ids=types, attention_mask=mask, output_hidden_states=True)
            t_scores = t_rec.scores(12)
        times["teacher_forward"].append(time.perf_counter() - t0)
        s_rec.q, s_rec.k = [], []          # drop what the logit steps recorded
        t0 = time.perf_counter()
        s_out, s_mask = model.encode(*args, hidden_states=True)
        loss = sum(tinybert_layer_losses(s_out.hidden_states, t_out.hidden_states, s_rec.scores(12), t_scores,
                                         s_mask, lmap).values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times["layerwise_student_step"].append(time.perf_counter() - t0)
    med = {k: float(np.median(v[2:])) for k, v in times.items()}   # first two rounds are warm-up
    med["teacher_share_of_layerwise_step"] = med["teacher_forward"] / (med["teacher_forward"] +
                                                                       med["layerwise_student_step"])
    med["frozen_vs_trainable_speedup"] = med["logit_step_trainable_emb"] / med["logit_step_frozen_emb"]
    print(json.dumps({"median_seconds": med, "batch": a.batch, "rounds": a.rounds, "pair": a.pair}, indent=1))


if __name__ == "__main__":
    main()
