"""True-size stand-ins: the cards' dimensions, sizes measured as the cards measured them, and the
speed-ratio gate measured on them."""

from __future__ import annotations

import dataclasses
import io

import pytest

from harness.checks import artifact, speedup
from harness.claims.cards import load_registry
from harness.errors import NotSupported
from harness.evaluation.context import Settings
from harness.replica.tiny import snapshot_folder

SST2_FP32 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


def settings_for(root, tmp_path, **changes):
    return Settings.for_hub(str(root), cache_dir=tmp_path, work_dir=root.parent / "work", **changes)


@pytest.mark.parametrize(
    "repo", sorted({c.model.repo for c in load_registry().select(suite="accuracy", checkable=True)})
)
def test_every_stand_in_has_its_cards_dimensions_and_a_vocabulary_to_match(true_size_replica, repo):
    from transformers import AutoConfig, AutoTokenizer

    model = next(c.model for c in load_registry().claims if c.model.repo == repo)
    folder = snapshot_folder(true_size_replica, repo)
    config = AutoConfig.from_pretrained(folder)
    assert {name: getattr(config, name) for name in model.architecture} == dict(model.architecture)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    # BERT's uncased vocabulary unless the card states another (bert-base-cased's 28,996)
    assert config.vocab_size == model.architecture.get("vocab_size", 30522) == len(tokenizer)
    cased = tokenizer("Paris")["input_ids"] != tokenizer("paris")["input_ids"]
    assert cased == (model.lowercase is False), f"the card says lowercase: {model.lowercase}"


def test_the_fp32_state_dict_measures_the_cards_255_mib(true_size_replica):
    import torch
    from transformers import AutoModelForSequenceClassification

    # Measured here with plain torch, apart from the harness's own size code.
    model = AutoModelForSequenceClassification.from_pretrained(snapshot_folder(true_size_replica, SST2_FP32))
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    assert len(buffer.getvalue()) / 2**20 == pytest.approx(255, abs=1)


def test_the_size_gate_fails_once_the_tolerance_is_below_the_measured_difference(true_size_replica, tmp_path):
    claim = load_registry().by_id("sst2-fp32-size")
    settings = settings_for(true_size_replica, tmp_path)
    verdict = artifact.check_size(claim, "torch", settings)
    assert verdict.passed and verdict.target == claim.value == 255  # the card's figure, not the builder's bytes
    difference = abs(verdict.measured - claim.value)
    assert 0 < difference < 1
    tight = dataclasses.replace(claim, tolerance=dataclasses.replace(claim.tolerance, amount=difference / 2))
    failed = artifact.check_size(tight, "torch", settings)
    assert not failed.passed
    assert "DOES NOT HOLD" in failed.explain() and "the card's figure" in failed.explain()


def test_the_speedup_gate_fails_when_the_candidate_is_no_faster_than_its_baseline(true_size_replica, tmp_path):
    claim = load_registry().by_id("sst2-int8-onnx-speedup")
    # The FP32 model measured against itself: a ratio near 1, below the 1.3x asked for.
    unquantized = dataclasses.replace(claim, model=claim.baseline.model, file=claim.baseline.file)
    verdict = speedup.check_speedup(unquantized, "onnx", settings_for(true_size_replica, tmp_path))
    assert verdict.status == "fail (stand-in)"
    assert 0.6 < verdict.measured < 1.6 and verdict.interval[0] <= verdict.measured <= verdict.interval[1]
    explained = verdict.explain()
    assert "interleaved" in explained and "examples/s" in explained and "a 95% lower confidence bound" in explained
    assert "expected   1.3000  (the harness's expectation (not on the card)" in explained
    assert "the card's figure" not in explained


def test_the_speedup_gate_judges_the_lower_bound_not_the_median():
    # Rounds whose median clears 1.5 but whose spread does not let a 95% lower bound clear it.
    noisy = [1.2, 1.3, 1.35, 1.4, 1.45, 1.55, 1.6, 1.65, 1.7, 1.75, 1.8] * 2
    low, high = speedup.ratio_interval(noisy, seed=0)
    assert low < 1.5 < sorted(noisy)[len(noisy) // 2] < high
    steady = [1.98, 2.0, 2.02] * 7
    assert speedup.ratio_interval(steady, seed=0)[0] > 1.9


def test_speed_ratios_are_refused_on_tiny_stand_ins(replica_root, tmp_path):
    claim = load_registry().by_id("sst2-int8-onnx-speedup")
    with pytest.raises(NotSupported, match="tiny stand-ins, whose speed says nothing"):
        speedup.check_speedup(claim, "onnx", settings_for(replica_root, tmp_path))


def test_interleaving_flips_the_order_every_round():
    calls = []
    jobs = {name: (lambda name=name: calls.append(name)) for name in ("a", "b")}
    seconds = speedup.interleaved(jobs, rounds=3, warmup=1)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert [len(s) for s in seconds.values()] == [3, 3]
