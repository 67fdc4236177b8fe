"""Distillation: train a student on teacher logits (or gold labels) and keep the best dev checkpoint.

    config   DistillConfig (torch-free, so presets and verbs can read it without loading torch)
    prepare  checks, tokenising once, the pruned vocabulary, the initial embedding table
    loop     the training loop (optimizer, LR schedule, batches) with an evaluate/checkpoint callback
    train    `distill(...)`: the one library entry (`edgekd distill` and `edgekd build` call it)

The student's architecture is reached only through `edgekd.student.registry` (build, embedding init, parameter
counts), so a new student family needs no change here. Import from the submodules.
"""
