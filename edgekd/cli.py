"""The `edgekd` command line: a verb table over library functions, imported lazily so `--help` is instant.

Each verb lives in `edgekd/commands/<verb>.py` as a click command named like the verb; this module only
lists them. Heavy imports (torch, transformers) happen inside the command bodies.

Exit codes follow the one policy of `edgekd_runtime.exits` (docs/cli.md): 0 ok, 2 usage or input, 3 invalid
artifact or failed check (also a verb whose extras are missing, and any unexpected error), 130 interrupted.
`PolicyGroup` prints every error as one line, `edgekd: error: ...`.
"""
from __future__ import annotations

import importlib

import click

from edgekd_runtime import exits
from edgekd_runtime.cli_policy import Failure, PolicyGroup

# verb -> (module, one-line help). The one line shows in `edgekd --help` without importing the module.
VERBS: dict[str, tuple[str, str]] = {
    "teacher": ("edgekd.commands.teacher", "Load a teacher; fine-tune it on the task unless it already has a head."),
    "augment": ("edgekd.commands.augment", "Build the Tang et al. transfer set (JSONL) from the training text."),
    "label": ("edgekd.commands.label", "Label the transfer set once with the teacher's logits (resumable cache)."),
    "distill": ("edgekd.commands.distill", "Train the BiLSTM student on the teacher's logits."),
    "export": ("edgekd.commands.export", "Export a student checkpoint to a validated ONNX bundle (int8 by default)."),
    "profile": ("edgekd.commands.profile", "Measure student vs teacher latency, memory and size on a device profile."),
    "pretrain-student": ("edgekd.commands.pretrain_student",
                         "Pre-distil a task-agnostic student encoder from the teacher on unlabeled text."),
    "sweep": ("edgekd.commands.sweep", "Train, export and measure a grid of student shapes from a build's cached logits."),
    "build": ("edgekd.commands.build", "Run the whole chain: teacher, augment, label, distill, export, profile."),
}


class LazyGroup(PolicyGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(VERBS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in VERBS:
            return None
        module, short = VERBS[name]
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:
            missing = e.name or "?"
            if missing.startswith("edgekd"):
                return _unavailable(name, short, f"not implemented in this version ({missing})")
            return _unavailable(name, short, f"needs the training extras: pip install 'edgekd[train]' (missing {missing})")
        cmd = getattr(mod, name.replace("-", "_"))
        cmd.short_help = cmd.short_help or short
        return cmd


def _unavailable(name: str, short: str, why: str) -> click.Command:
    @click.command(name=name, short_help=short, context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def stub(args):  # pragma: no cover - trivial
        raise Failure(f"`edgekd {name}` {why}", exits.INVALID)
    return stub


@click.group(name="edgekd", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="edgekd")
def main() -> None:
    """edgekd: distil a fine-tuned BERT classifier into a tiny BiLSTM and ship it as an int8 ONNX bundle.

    The usual path is `edgekd build`; each stage is also its own verb.
    """


if __name__ == "__main__":  # pragma: no cover
    main()
