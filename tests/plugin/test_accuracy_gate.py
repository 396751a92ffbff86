"""The accuracy suite, run through pytester against replicas that are healthy, broken or missing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness.replica.defects import apply_defect

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
SST2_INT8 = "Intel/distilbert-base-uncased-finetuned-sst-2-english-int8-static-inc"
MNLI = "typeform/distilbert-base-uncased-mnli"


@pytest.fixture
def run_suite(run_gate):
    def run(*args: str):
        # torch and onnx unless a test names its backend: the openvino claims repeat what onnx shows here
        backends = () if "--harness-backend" in args else ("torch", "onnx")
        return run_gate(*args, suites=["accuracy"], backends=backends)

    return run


def test_a_healthy_replica_passes(run_suite, replica_copy):
    result = run_suite("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_FP32)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*harness: model-card claims*", "sst2-fp32-accuracy*torch*pass (stand-in)*0.9106*872 *"]
    )


def test_swapped_label_order_fails_with_the_explanation(run_suite, replica_copy):
    apply_defect(replica_copy, repo=SST2_FP32, defect="swap-labels")
    result = run_suite("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_FP32)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*claim sst2-fp32-accuracy [[]torch[]] DOES NOT HOLD on the stand-in (a stand-in's result, not a verdict on the card)",
            "*claimed    accuracy = 0.9106   (card: Accuracy of the FP32 base model*",
            "*expected   0.9106  (the stand-in's reference: transformers' pipeline, one example at a time*",
            "*measured   0.0*",
            "*differ     8* of 872 examples predicted otherwise than the reference (at most 0 allowed)",
            "*tolerance  ±0.005 (two-sided)",
            "*examples   872",
            "*backend    torch on cpu (*)",  # where it ran, with the CPU's model
            f"*model      {SST2_FP32} @ *",
            "*dataset    nyu-mll/glue sst2/validation @ *",
            "*note       labels named by the model's config, matched by name (the model orders them differently)",
            "*diagnosis  label order: reading the model's labels as POSITIVE → negative, NEGATIVE → positive (the run "
            "read POSITIVE → positive, NEGATIVE → negative) gives accuracy 0.9106 where the run measured 0.0894*",
            "*diagnosis  truncation: * of 872 examples are longer than max_seq_length 128 tokens*",
        ]
    )


def test_numbered_labels_in_the_wrong_index_order_fail_saying_index_order_was_all_there_was(run_suite, replica_copy):
    # Intel's INT8 config names its labels {"0": 0, "1": 1}; here the model's outputs are reversed under it.
    apply_defect(replica_copy, repo=SST2_INT8, defect="reverse-outputs")
    result = run_suite(
        "-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_INT8, "--harness-backend", "onnx"
    )  # fmt: skip
    result.assert_outcomes(failed=2)  # its accuracy, and its recovery of the FP32 model's accuracy
    result.stdout.fnmatch_lines([
        "*claim sst2-int8-onnx-accuracy [[]onnx[]] DOES NOT HOLD*",
        "*note       the model's config names its labels only by number ([[]0, 1[]]): relied on index order, taking "
        "the dataset's (0 → negative, 1 → positive)*",
        "*diagnosis  label order: reading the model's labels as 0 → positive, 1 → negative*gives accuracy 0.9*",
        "*claim sst2-int8-onnx-recovery [[]onnx[]] DOES NOT HOLD*",
    ])  # fmt: skip


def test_a_too_short_max_seq_length_fails_with_the_truncation_named(run_suite, replica_copy, tmp_path):
    from importlib import resources

    import yaml

    card = yaml.safe_load((resources.files("harness") / "cards" / "intel-distilbert-sst2-int8.yaml").read_text())
    card["claims"] = [dict(c, max_seq_length=6) for c in card["claims"] if c["id"] == "sst2-fp32-accuracy"]
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "short.yaml").write_text(yaml.safe_dump(card))
    result = run_suite("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-cards", str(tmp_path / "cards"),
                       "--harness-backend", "torch", "--harness-diagnose")  # fmt: skip
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*claim sst2-fp32-accuracy [[]torch[]] DOES NOT HOLD*",
        "*diagnosis  truncation: * of 872 examples are longer than max_seq_length 6 tokens (longest: *) and were cut; "
        "on the other * the accuracy is *, on the cut ones *",
        # --harness-diagnose: evaluated again, at the encoder's longest input, on other splits, other activation
        "*diagnosis  max_seq_length: at 512 instead of 6 tokens the accuracy is 0.9* (the run: 0.*), on 872 examples",
        "*diagnosis  other splits: the cached dataset holds none beside validation in sst2/ (fetch them to compare)",
        "*diagnosis  activation: with activation relu instead of gelu the accuracy is * on 872 examples; * of 872 predictions change",
    ])  # fmt: skip


def test_damaged_weights_fail_on_both_backends(run_suite, replica_copy):
    apply_defect(replica_copy, repo=MNLI, defect="damage-weights")
    result = run_suite("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", MNLI)
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines_random([  # each of the four fails on its measurement, not on a crash
        f"*claim mnli-{split}-accuracy [[]{backend}[]] DOES NOT HOLD on the stand-in*"
        for split in ("matched", "mismatched") for backend in ("torch", "onnx")
    ])  # fmt: skip
    assert result.stdout.str().count("predicted otherwise than the reference (at most 0 allowed)") >= 4


def test_a_damaged_onnx_file_fails_its_claim(run_suite, replica_copy):
    apply_defect(replica_copy, repo=SST2_INT8, defect="damage-weights")
    result = run_suite(
        "-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_INT8, "--harness-backend", "onnx"
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*claim sst2-int8-onnx-accuracy [[]onnx[]] DOES NOT HOLD*",
        "*claim sst2-int8-onnx-recovery [[]onnx[]] DOES NOT HOLD*",
        "*reason     measured 0.* is below the bound 0.9* (baseline 0.9106)",
    ])  # fmt: skip


def _sampled_rows(replica: Path, repo: str, config: str, split: str, limit: int) -> list[int]:
    """The rows a seeded, stratified sample takes from a replica split, read from its parquet file."""
    import pyarrow.parquet as pq

    from harness.data.splits import stratified_sample
    from harness.replica.tiny import snapshot_folder

    (path,) = (snapshot_folder(replica, repo, repo_type="dataset") / config).glob(f"{split}-*.parquet")
    return stratified_sample(pq.read_table(path).column("label").to_pylist(), limit=limit, seed=0)


def test_a_sample_is_scored_against_the_reference_on_the_same_rows(run_suite, replica_copy):
    result = run_suite("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", MNLI,
                       "--harness-backend", "torch", "--harness-limit", "200",
                       f"--harness-json={replica_copy / 'verdicts.json'}")  # fmt: skip
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["mnli-matched-accuracy*torch*pass (stand-in)*200 *"])
    claims = json.loads((replica_copy / "verdicts.json").read_text())["claims"]
    matched = next(c for c in claims if c["claim_id"] == "mnli-matched-accuracy" and c["backend"] == "torch")
    # Paired on the same rows: no sampling error, so no interval; every example agrees with the reference.
    assert (matched["evaluation"], matched["n"], matched["interval"]) == ("sample", 200, None)
    assert (matched["differing"], matched["allowed_differing"]) == (0, 0)
    manifest = json.loads((replica_copy / "harness-replica.json").read_text())
    scores = manifest["expected"]["mnli-matched-accuracy"]["torch"]["scores"]
    rows = _sampled_rows(replica_copy, "nyu-mll/glue", "mnli", "validation_matched", 200)
    assert matched["target"] == pytest.approx(sum(scores[i] for i in rows) / 200, abs=1e-12)
    assert matched["target"] != pytest.approx(sum(scores) / len(scores), abs=1e-6)  # not the whole split's mean


@pytest.mark.parametrize("limit", [None, 200], ids=["full-split", "sample-of-200"])
def test_a_head_perturbed_to_change_3_percent_of_predictions_fails(run_suite, replica_copy, limit):
    apply_defect(replica_copy, repo=SST2_FP32, defect="perturb-head")
    sample = ["--harness-limit", str(limit)] if limit else []
    result = run_suite("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_FP32,
                       "--harness-backend", "torch", *sample)  # fmt: skip
    result.assert_outcomes(failed=1)
    shown = "872" if limit is None else "200"
    result.stdout.fnmatch_lines([
        "*claim sst2-fp32-accuracy [[]torch[]] DOES NOT HOLD on the stand-in*",
        f"*differ     * of {shown} examples predicted otherwise than the reference (at most 0 allowed)",
        "*note       first examples that differ (split index: run / reference): *'negative' / 'positive'*",
    ])  # fmt: skip


@pytest.fixture
def missing_mnli(tmp_path) -> list[str]:
    """Arguments that ask for the MNLI claims on torch from a Hub cache that holds nothing."""
    (tmp_path / "empty-hub").mkdir()
    return ["-m", "accuracy", "--harness-hub", str(tmp_path / "empty-hub"), "--harness-model", MNLI,
            "--harness-backend", "torch"]  # fmt: skip


def test_missing_artifacts_skip_with_the_fetch_command(run_suite, missing_mnli):
    result = run_suite(*missing_mnli, "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [f"*model {MNLI} at revision main is not available: not in the Hub cache*Fetch it with: hf download {MNLI}*"]
    )


@pytest.mark.parametrize("how", ["option", "environment"])
def test_strict_mode_fails_a_missing_artifact(run_suite, missing_mnli, monkeypatch, how):
    if how == "option":
        missing_mnli.append("--harness-strict")
    else:
        monkeypatch.setenv("HARNESS_STRICT", "1")
    result = run_suite(*missing_mnli)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        f"*strict mode: a claim that cannot be checked fails: model {MNLI}*not available*",
        "mnli-matched-accuracy*torch*fail*",  # the claims table says so too
    ])  # fmt: skip


def test_strict_mode_fails_a_missing_backend(run_suite, replica_copy):
    result = run_suite(
        "-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-backend", "inc", "--harness-strict"
    )
    result.assert_outcomes(failed=2)  # the PyTorch INT8 accuracy and its recovery of FP32's
    result.stdout.fnmatch_lines(["*strict mode*backend 'inc'*"])


def test_json_lists_every_claim_with_its_status(run_suite, replica_copy, tmp_path):
    target = tmp_path / "out" / "verdicts.json"
    run_suite(
        "-m",
        "accuracy",
        "--harness-hub",
        str(replica_copy),
        "--harness-model",
        SST2_FP32,
        "--harness-backend",
        "torch",
        "--harness-json",
        str(target),
    ).assert_outcomes(passed=1)
    document = json.loads(target.read_text())
    by_key = {(row["claim_id"], row["backend"]): row for row in document["claims"]}
    passed = by_key[("sst2-fp32-accuracy", "torch")]
    assert passed["status"] == "pass (stand-in)" and passed["n"] == 872 and len(passed["model_revision"]) == 40
    assert passed["compared_with"].startswith("the stand-in's reference")
    assert by_key[("sst2-fp32-accuracy", "onnx")]["status"] == "not run"
    assert by_key[("sst2-fp32-size", "torch")]["status"] == "not run"


def test_the_report_folder_gets_verdicts_markdown_and_picture(run_suite, pytester, replica_copy, tmp_path):
    pytester.makepyfile(
        test_sizes=(Path(__file__).parents[1] / "latency" / "test_size_and_speed_claims.py").read_text()
    )
    folder = tmp_path / "report"
    result = run_suite(
        "--harness-hub", str(replica_copy), "--harness-model", SST2_FP32, "--harness-report", str(folder)
    )
    # accuracy on torch and onnx; a tiny stand-in cannot check the card's 255 MB
    result.assert_outcomes(passed=2, skipped=1)
    assert sorted(p.name for p in folder.iterdir()) == [
        "accuracy-latency-size.png", "report.html", "report.md", "verdicts.json"
    ]  # fmt: skip
    text = (folder / "report.md").read_text()
    assert "| sst2-fp32-accuracy | accuracy | pass (stand-in) | 0.9106 |" in text
    assert "| sst2-fp32-size | size_mib | not checkable | 255 |" in text
    assert "**sst2-fp32-size** [torch] (not checkable): not checkable on this stand-in: the tiny stand-in" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--harness-hub", "/no/such/dir"],
            "*--harness-hub*'/no/such/dir' is neither 'hub', 'replica' nor an existing directory*",
        ),
        (["--harness-limit", "0"], "*--harness-limit*expected a positive whole number of examples, found '0'*"),
        (["--harness-threads", "all"], "*--harness-threads*expected a positive whole number of threads, found 'all'*"),
        (["--harness-deadline", "-1"], "*--harness-deadline*expected a positive number of seconds, found '-1'*"),
        (["--harness-backend", "tensorflow"], "*--harness-backend*invalid choice: 'tensorflow'*"),
        (
            ["--harness-model", "typeform/distilbert-mnli"],
            "*no card claims anything about model*Did you mean 'typeform/distilbert-base-uncased-mnli'?*",
        ),
    ],
)
def test_bad_option_values_are_refused_before_anything_runs(run_suite, args, message):
    result = run_suite(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_importing_the_harness_leaves_torch_and_onnxruntime_unloaded(pytester):
    result = pytester.run(
        sys.executable,
        "-c",
        "import sys, harness, harness.plugin, harness.claims.cards, harness.report.results, harness.evaluation.context;"
        "heavy = [m for m in ('torch', 'onnxruntime', 'transformers') if m in sys.modules];"
        "print('heavy:', heavy); sys.exit(1 if heavy else 0)",
    )
    assert result.ret == 0, result.stdout.str()


def test_a_damaged_qa_head_fails_the_f1_claim(run_suite, replica_copy):
    apply_defect(replica_copy, repo="Intel/dynamic_tinybert", defect="damage-head")
    result = run_suite(
        "-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", "Intel/dynamic_tinybert"
    )
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*claim dynamic-tinybert-squad-f1 [[]torch[]] DOES NOT HOLD*",
        "*claimed    f1 = 88.7100   (card: F1 88.71 on SQuAD v1.1 validation*",
        "*tolerance  ±0.5 (two-sided)",
        "*examples   240",
        "*note       * windows for 240 questions (doc_stride 128, n_best 20)",
    ])  # fmt: skip


def test_a_qa_sample_draws_questions_not_windows(run_suite, replica_copy):
    target = replica_copy / "verdicts.json"
    result = run_suite("-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", "Intel/dynamic_tinybert",
                       "--harness-backend", "torch", "--harness-limit", "60", f"--harness-json={target}")  # fmt: skip
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["dynamic-tinybert-squad-f1*torch*pass (stand-in)*88.7100*60 *"])
    (verdict,) = [c for c in json.loads(target.read_text())["claims"] if c["backend"] == "torch"]
    assert verdict["n"] == 60 and verdict["features"] > 60  # 60 questions, more windows than that
    assert (verdict["differing"], verdict["interval"]) == (0, None)  # every answer the pipeline's; no interval


# onnxruntime installed but unimportable, as a broken install (a missing shared library) leaves it.
BROKEN_ONNXRUNTIME = """
import sys


class BrokenOnnxRuntime:
    def find_spec(self, name, path=None, target=None):
        if name == "onnxruntime":
            raise ImportError("libonnxruntime.so.1: cannot open shared object file")
        return None


sys.meta_path.insert(0, BrokenOnnxRuntime())
"""


def test_a_backend_that_cannot_load_fails_a_strict_run_instead_of_skipping(run_suite, pytester, replica_copy):
    pytester.makeconftest(BROKEN_ONNXRUNTIME)
    args = ["-m", "accuracy", "--harness-hub", str(replica_copy), "--harness-model", SST2_FP32,
            "--harness-backend", "onnx", "-rs"]  # fmt: skip
    lenient = run_suite(*args)
    lenient.assert_outcomes(skipped=1)
    lenient.stdout.fnmatch_lines(["*backend 'onnx' is installed but cannot load: importing onnxruntime raised*"])
    strict = run_suite(*args, "--harness-strict")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*strict mode: a claim that cannot be checked fails: backend 'onnx' is installed*"])
