"""`harness claims | fetch | lock | import | publish | replica | demo | report | eval | cache`: the command line."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.cache.layout import CacheDir, default_cache_dir
from harness.claims.cards import cards_in, load_registry
from harness.claims.schema import CardError
from harness.commands import hub_cards, runs
from harness.commands import online as cli_online
from harness.replica.ensure import REPLICA_SIZES, ensure_replica


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__.split(":")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    claims = commands.add_parser("claims", help="print every registered claim")
    claims.add_argument("--model", action="append", default=[], metavar="REPO_ID", help="only this model (repeatable)")
    claims.add_argument("--json", action="store_true", help="print JSON instead of a table")
    claims.add_argument("--cards", type=Path, default=None, metavar="DIR", help="cards to read (default: built in)")

    replica = commands.add_parser("replica", help="build stand-ins of every model and dataset in a Hub cache layout")
    replica.add_argument("--out", type=Path, required=True, help="an HF_HOME-style directory to create")
    replica.add_argument("--defect", choices=_defects(), help="break one model on purpose (for testing the gate)")
    replica.add_argument("--defect-model", metavar="REPO_ID", help="the model --defect applies to")
    replica.add_argument("--force", action="store_true", help="replace --out if it already exists")
    replica.add_argument(
        "--size",
        choices=REPLICA_SIZES,
        default="tiny",
        help="tiny: trained stand-ins with accuracy references (default); true: the cards' dimensions with "
        "random weights, for size claims and latency",
    )

    demo = commands.add_parser(
        "demo", help="build the replica hubs and run the accuracy and latency suites against them"
    )
    demo.add_argument("--out", type=Path, default=Path("results"), help="where verdicts, report and picture go")

    report = commands.add_parser("report", help="write report.md and the accuracy-latency-size PNG from verdicts")
    report.add_argument("results", type=Path, help="a verdicts JSON written by --harness-json or --harness-report")
    report.add_argument("--out", type=Path, default=None, help="folder for the report (default: beside RESULTS)")
    report.add_argument("--history", type=Path, default=None, metavar="DIR",
                        help="a --harness-history folder: report.html shows each claim's trend")  # fmt: skip

    _eval_parser(commands)
    cli_online.add_parsers(commands)
    hub_cards.add_parsers(commands)
    runs.add_parsers(commands)

    cache = commands.add_parser("cache", help="the harness's cache: predictions, tokenized splits, exports, replicas")
    cache.add_argument("action", choices=["clear"], help="clear: remove every cached prediction and tokenized split")
    cache.add_argument("--all", action="store_true", help="also remove ONNX exports and replica hubs")
    cache.add_argument("--cache-dir", type=Path, default=None, help="default: $HARNESS_CACHE or ~/.cache/harness")

    args = parser.parse_args(argv)
    commands_by_name = {
        "claims": _claims, "replica": _replica, "demo": _demo, "report": _report, "cache": _cache, "eval": _eval,
        "fetch": cli_online.fetch_command, "lock": cli_online.lock_command,
        "import": hub_cards.import_command, "publish": hub_cards.publish_command,
        "history": runs.history_command, "diff": runs.diff_command,
    }  # fmt: skip
    try:
        return commands_by_name[args.command](args)
    except (CardError, FileExistsError, FileNotFoundError, ValueError, LookupError) as exc:
        print(f"harness {args.command}: {exc}", file=sys.stderr)
        return 2


def _claims(args: argparse.Namespace) -> int:
    registry = load_registry(cards_in(args.cards) if args.cards else None)
    selected = registry.select(models=args.model)
    if args.json:
        print(json.dumps([_claim_row(c) for c in selected], indent=2))
        return 0
    header = ("claim", "model", "metric", "value", "tolerance", "backends", "dataset")
    rows = [header] + [
        tuple("—" if v is None else str(v) for v in _claim_row(c).values())[: len(header)] for c in selected
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    unchecked = [c for c in selected if not c.checkable]
    if unchecked:
        print("\nnot checkable:")
        for claim in unchecked:
            print(f"  {claim.id}: {claim.reason}")
    return 0


def _claim_row(claim) -> dict[str, object]:
    dataset = claim.dataset
    return {
        "id": claim.id,
        "model": claim.model.repo,
        "metric": claim.metric,
        "value": claim.value,
        "tolerance": claim.tolerance.describe() if claim.tolerance else "not checkable",
        "backends": ",".join(claim.backends) or "—",
        "dataset": f"{dataset.repo} {dataset.config}/{dataset.split}" if dataset else "—",
        "source": claim.source,
        "reason": claim.reason,
    }


def _replica(args: argparse.Namespace) -> int:
    from harness.replica.defects import apply_defect

    if bool(args.defect) != bool(args.defect_model):
        raise ValueError("--defect and --defect-model go together: name the defect and the model it breaks")
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            raise FileExistsError(
                f"{args.out} exists and is not empty; pass --force to replace it, or choose another --out"
            )
        shutil.rmtree(args.out)
    # Build (or reuse) the cached healthy replica, then copy it: a defect never touches the cache.
    source = ensure_replica(default_cache_dir(), size=args.size)
    shutil.copytree(source, args.out, symlinks=True, dirs_exist_ok=True)
    if args.defect:
        for path in apply_defect(args.out, repo=args.defect_model, defect=args.defect):
            print(f"{args.defect}: changed {path}")
    suite = "latency" if args.size == "true" else "accuracy"
    print(f"replica hub written to {args.out} (use: pytest -m {suite} --harness-hub {args.out})")
    return 0


def _demo(args: argparse.Namespace) -> int:
    suites = [Path("tests") / "accuracy", Path("tests") / "latency"]
    if not all(suite.is_dir() for suite in suites):
        raise FileNotFoundError("run `harness demo` from the root of a harness checkout (tests/accuracy is not here)")
    results = args.out / "verdicts.json"
    if results.exists() and not _written_by_harness(results):
        raise FileExistsError(f"{results} exists and was not written by harness; choose another --out")
    command = [sys.executable, "-m", "pytest", *map(str, suites), "--harness-hub", "replica",
               "--harness-report", str(args.out), "-p", "no:cacheprovider", "-q"]  # fmt: skip
    if importlib.util.find_spec("pytest_benchmark") is not None:
        args.out.mkdir(parents=True, exist_ok=True)  # pytest-benchmark writes into it before the report
        command.append(f"--benchmark-json={args.out / 'benchmarks.json'}")
    print("$ " + " ".join(command), flush=True)
    return subprocess.call(command)


def _report(args: argparse.Namespace) -> int:
    from harness.report import results as report

    rows, about, measured = report.read_json(args.results)
    folder = args.out or args.results.parent
    for path in report.write_report(folder, rows, about=about, **measured, history=args.history)[1:]:
        print(f"wrote {path}")
    return 0


def _device(value: str) -> str:
    from harness.backends.devices import parse

    try:
        return parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _eval_parser(commands) -> None:
    from harness.commands import adhoc

    evaluate = commands.add_parser("eval", help="evaluate one model on one dataset split, outside pytest")
    evaluate.add_argument("--model", required=True, metavar="REPO_OR_DIR", help="a Hub repo id or a model folder")
    evaluate.add_argument(
        "--dataset", required=True, metavar="REPO_OR_DIR",
        help="a Hub dataset repo id, or a folder of SPLIT-*.parquet (CONFIG/SPLIT-*.parquet, CONFIG/SPLIT/*.parquet)",
    )  # fmt: skip
    evaluate.add_argument(
        "--dataset-revision", default=None, metavar="REV",
        help="the dataset's branch, tag or commit (refs/convert/parquet for a repo whose main holds a script)",
    )  # fmt: skip
    evaluate.add_argument("--config", default=None, metavar="NAME", help="the dataset config (a subfolder)")
    evaluate.add_argument("--split", required=True, metavar="SPLIT")
    evaluate.add_argument("--task", required=True, choices=adhoc.TASKS)
    evaluate.add_argument("--inputs", default=None, metavar="COL[,COL]", help="input columns (default: inferred)")
    evaluate.add_argument("--label", default=None, metavar="COL", help="label column (default: inferred)")
    evaluate.add_argument("--backend", required=True, choices=adhoc.BACKENDS)
    evaluate.add_argument("--limit", type=int, default=None, metavar="N", help="a seeded sample of N examples")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--max-seq-length", type=int, default=None, metavar="N")
    evaluate.add_argument("--json", type=Path, default=None, metavar="FILE", help="write metrics, n, seconds, rate")
    evaluate.add_argument("--predictions", type=Path, default=None, metavar="FILE",
                          help="write one JSON line per example: index, prediction, reference")  # fmt: skip
    evaluate.add_argument(
        "--threads", type=int, default=os.cpu_count(), metavar="N",
        help=f"intra-op threads for torch and ONNX Runtime (default: all {os.cpu_count()} cores)",
    )  # fmt: skip
    evaluate.add_argument("--device", type=_device, default="cpu", metavar="cpu|cuda|cuda:N|auto",
                          help="as pytest's --harness-device (default cpu)")  # fmt: skip
    evaluate.add_argument("--hub", default="hub", metavar="hub|replica|DIR", help="as pytest's --harness-hub")
    evaluate.add_argument("--cache-dir", type=Path, default=None, help="default: $HARNESS_CACHE or ~/.cache/harness")


def _eval(args: argparse.Namespace) -> int:
    from harness.engine import distributed

    group = distributed.join()  # under torchrun: each rank evaluates its share, rank 0 reports
    status = _eval_here(args, report=group is None or group.rank == 0)
    final = distributed.finish(status)
    if group is not None:
        # Everything is written and every rank agreed on the status. A rank's interpreter teardown then
        # sometimes aborts in a native thread's destructor ("terminate called without an active
        # exception", SIGABRT), which torchrun reports as a failed run; leave without that teardown.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(final)
    return final


def _eval_here(args: argparse.Namespace, *, report: bool) -> int:
    from harness.backends.devices import DeviceMissing, settle
    from harness.commands import adhoc
    from harness.evaluation.context import Settings
    from harness.hub.resolve import ArtifactMissing

    settings = Settings.for_hub(args.hub, cache_dir=(args.cache_dir or default_cache_dir()).resolve(),
                                threads=args.threads, device=args.device)  # fmt: skip
    request = adhoc.Request(
        model=args.model, dataset=args.dataset, dataset_revision=args.dataset_revision, config=args.config,
        split=args.split, task=args.task,
        backend=args.backend, inputs=tuple(args.inputs.split(",")) if args.inputs else (), label=args.label,
        limit=args.limit, seed=args.seed, max_seq_length=args.max_seq_length,
    )  # fmt: skip
    try:
        device = settle(args.device, "onnx" if args.backend == "onnx-int8" else args.backend)
        result = adhoc.run(request, settings)
    except (ArtifactMissing, DeviceMissing) as exc:
        print(f"harness eval: {exc}", file=sys.stderr)
        return 2
    if not report:
        return 0
    print(f"model    {result.model.repo} @ {result.model.revision} [{args.backend} on {device.describe()}]")
    print(f"dataset  {result.dataset.repo} @ {result.dataset.revision} {args.config or ''}/{args.split}")
    for name, value in result.metrics.items():
        print(f"{name:<8} {value:.4f}")
    print(f"speed    {result.n} examples in {result.seconds:.2f} s: {result.examples_per_second:.1f} examples/s "
          "(tokenization included; loading and export excluded)")  # fmt: skip
    adhoc.write(result, json_path=args.json, predictions_path=args.predictions)
    return 0


def _cache(args: argparse.Namespace) -> int:
    from harness.cache.features import FeatureCache
    from harness.cache.predictions import PredictionCache

    cache = CacheDir((args.cache_dir or default_cache_dir()).resolve())
    removed = PredictionCache(cache.predictions).clear()
    print(f"removed {removed} cached evaluations from {cache.predictions}")
    removed = FeatureCache(cache.features).clear()
    print(f"removed {removed} tokenized splits from {cache.features}")
    if args.all:
        print(f"removed {cache.clear_built()} replica hubs and export folders from {cache.root}")
    return 0


def _written_by_harness(path: Path) -> bool:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and "harness" in document and "claims" in document


def _defects() -> list[str]:
    from harness.replica.defects import DEFECTS

    return list(DEFECTS)


if __name__ == "__main__":
    sys.exit(main())
