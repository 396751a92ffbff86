"""The words cards and claims are written in: tasks, metrics, backends, bounds, suites, model files."""

from __future__ import annotations

# Corpus-level classification scores (measures.metrics.CORPUS): binary on label 1, or macro over labels.
CLASSIFICATION_CORPUS = frozenset(
    {"precision", "recall", "f1", "precision_macro", "recall_macro", "f1_macro", "roc_auc"}
)

# Token classification's scores (measures.entities): entity-level precision, recall and F1 as seqeval
# computes them, in its default mode and in its strict IOB2 mode (``_strict``), and the share of tags right.
ENTITY_METRICS = frozenset(
    {f"entity_{score}{mode}" for score in ("precision", "recall", "f1") for mode in ("", "_strict")}
    | {"token_accuracy"}
)

TASK_METRICS: dict[str, frozenset[str]] = {
    "text-classification": frozenset({"accuracy", "eval_loss"}) | CLASSIFICATION_CORPUS,
    "text-pair-classification": frozenset({"accuracy", "eval_loss"}) | CLASSIFICATION_CORPUS,
    "question-answering": frozenset({"f1", "exact_match"}),
    "token-classification": ENTITY_METRICS,
    "fill-mask": frozenset(),
}


# Metrics of the artifact itself, meaningful whatever the task.
ARTIFACT_METRICS = frozenset({"size_mib", "sparsity"})


# Ratios of one artifact's speed to a baseline's, measured interleaved in one run.
RATIO_METRICS = frozenset({"speedup"})


BACKENDS = ("torch", "onnx", "inc", "openvino")


# Backends that run an export of the torch checkpoint when a claim names no file of their own.
EXPORTED_FROM_TORCH = ("onnx", "openvino")


# Variants: a model run in other arithmetic than its card's, each made from one backend's target. They
# take part in contracts, parity (bounded by their precision) and speed only when a run names them
# (--harness-backend torch-fp16), never in a card's claims: a claim's arithmetic is never changed.
VARIANTS = {"torch-fp16": "torch", "openvino-int8": "openvino"}
SELECTABLE_BACKENDS = (*BACKENDS, *VARIANTS)


BOUNDS = ("two-sided", "at-least", "at-most")


SUITE_OF_METRIC = {
    "accuracy": "accuracy",
    "eval_loss": "accuracy",
    "f1": "accuracy",
    "exact_match": "accuracy",
    "size_mib": "latency",
    "speedup": "latency",
    "sparsity": "contracts",
    **{metric: "accuracy" for metric in CLASSIFICATION_CORPUS},
    **{metric: "accuracy" for metric in ENTITY_METRICS},
}


# The Hub's pipeline tags the harness checks a model's use by (contracts suite).
PIPELINE_TAGS = ("text-classification", "question-answering", "zero-shot-classification", "token-classification")


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



