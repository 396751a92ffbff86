"""The words cards and claims are written in: tasks, metrics, backends, bounds, suites, model files."""

from __future__ import annotations

TASK_METRICS: dict[str, frozenset[str]] = {
    "text-classification": frozenset({"accuracy", "eval_loss"}),
    "text-pair-classification": frozenset({"accuracy", "eval_loss"}),
    "question-answering": frozenset({"f1", "exact_match"}),
    "fill-mask": frozenset(),
}


# Metrics of the artifact itself, meaningful whatever the task.
ARTIFACT_METRICS = frozenset({"size_mib", "sparsity"})


# Ratios of one artifact's speed to a baseline's, measured interleaved in one run.
RATIO_METRICS = frozenset({"speedup"})


BACKENDS = ("torch", "onnx", "inc")


BOUNDS = ("two-sided", "at-least", "at-most")


SUITE_OF_METRIC = {
    "accuracy": "accuracy",
    "eval_loss": "accuracy",
    "f1": "accuracy",
    "exact_match": "accuracy",
    "size_mib": "latency",
    "speedup": "latency",
    "sparsity": "contracts",
}


# The Hub's pipeline tags the harness checks a model's use by (contracts suite).
PIPELINE_TAGS = ("text-classification", "question-answering", "zero-shot-classification")


# Files a model folder needs besides its weights: config, tokenizer, special tokens; named exactly,
# so they match at the repo's root only. A glob such as "*.json" would also take an ``onnx/`` folder's
# copies, ``trainer_state.json`` and ``eval_results_*.txt``, which no loader reads.
MODEL_SUPPORT_PATTERNS = (
    "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
    "vocab.txt", "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model",
    "inc_config.json",
)  # fmt: skip


# Preferred first: safetensors cannot execute code when loaded.
TORCH_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")



