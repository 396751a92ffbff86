"""Break a built replica on purpose, so tests can show that each gate catches what it guards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from harness.claims.cards import load_registry
from harness.replica.tiny import quantized_from, snapshot_folder

DEFECTS = {
    "swap-labels": "reverse the order of id2label / label2id in config.json, keeping the weights",
    "damage-weights": "shuffle the entries of every weight tensor (safetensors and .onnx), keeping shapes",
    "damage-head": "shuffle only the task head's weights (classifier / qa_outputs) in model.safetensors",
    "unquantize": "replace an INT8 pytorch_model.bin with the FP32 weights it was quantized from",
    "nan-head": "set the classifier's bias to NaN in model.safetensors (outputs stop being probabilities)",
    "cased-tokenizer": "stop the tokenizer from lower-casing (an uncased model then sees upper case as unknown)",
    "half-sparse": "give half of the pruned (zero) encoder weights random values again, in model.safetensors",
    "unnamed-labels": "replace the label names in config.json by LABEL_0 ... LABEL_n, keeping their order",
    "wrong-heads": "halve the attention head count config.json states (the weights are left as they are)",
    "reverse-outputs": "reverse the order of the classifier's outputs (its weight rows and bias) in model.safetensors "
    "and model.onnx, keeping config.json: the model's index order is then not the one its config implies",
    "perturb-head": "shift one class's bias in model.safetensors so that 3% of the claim split's predictions change",
}
HEADS = ("classifier.", "pre_classifier.", "qa_outputs.")


def apply_defect(root: Path, *, repo: str, defect: str, seed: int = 0) -> list[Path]:
    """Apply ``defect`` to model ``repo`` of the replica at ``root``; return the files changed."""
    if defect not in DEFECTS:
        raise ValueError(f"unknown defect {defect!r}; choose one of {', '.join(DEFECTS)}")
    snapshot = snapshot_folder(root, repo)
    if defect == "swap-labels":
        return [_swap_labels(snapshot / "config.json")]
    if defect == "unnamed-labels":
        return [_unname_labels(snapshot / "config.json")]
    if defect == "unquantize":
        return [_unquantize(root, repo, snapshot / "pytorch_model.bin")]
    if defect == "wrong-heads":
        return [_halve_heads(snapshot / "config.json")]
    if defect == "cased-tokenizer":
        return _cased_tokenizer(snapshot)
    if defect == "nan-head":
        return [_edit_tensors(p, _nan_bias) for p in _plain_weights(snapshot)]
    if defect == "perturb-head":
        return [_perturb_head(root, repo, snapshot, share=0.03)]
    if defect == "reverse-outputs":
        changed = [_edit_tensors(p, _reverse_outputs) for p in _plain_weights(snapshot)]
        return changed + [_reverse_outputs_onnx(p) for p in snapshot.glob("*.onnx")]
    if defect == "half-sparse":
        return [_edit_tensors(p, lambda t: _regrow(t, np.random.default_rng(seed))) for p in _plain_weights(snapshot)]
    rng = np.random.default_rng(seed)
    if defect == "damage-head":
        changed = [_edit_tensors(p, lambda t: _shuffle_tensors(t, rng, only=HEADS)) for p in _plain_weights(snapshot)]
    else:
        changed = [_edit_tensors(p, lambda t: _shuffle_tensors(t, rng)) for p in snapshot.glob("*.safetensors")]
        changed += [_shuffle_onnx(p, rng) for p in snapshot.glob("*.onnx")]
        changed += [_shuffle_torch(p, rng) for p in snapshot.glob("pytorch_model.bin")]
    if not changed:
        raise FileNotFoundError(f"{snapshot}: no weights that {defect!r} applies to")
    return changed


def _replace(path: Path, data: bytes) -> Path:
    # Snapshot files are links into blobs/ that other copies may share: write a new file instead.
    path.unlink()
    path.write_bytes(data)
    return path


def _swap_labels(path: Path) -> Path:
    config = json.loads(path.read_text())
    names = [config["id2label"][str(i)] for i in range(len(config["id2label"]))][::-1]
    config["id2label"] = {str(i): name for i, name in enumerate(names)}
    config["label2id"] = {name: i for i, name in enumerate(names)}
    return _replace(path, json.dumps(config, indent=2).encode())


def _unname_labels(path: Path) -> Path:
    config = json.loads(path.read_text())
    config["id2label"] = {str(i): f"LABEL_{i}" for i in range(len(config["id2label"]))}
    config["label2id"] = {f"LABEL_{i}": i for i in range(len(config["id2label"]))}
    return _replace(path, json.dumps(config, indent=2).encode())


def _halve_heads(path: Path) -> Path:
    config = json.loads(path.read_text())
    key = "n_heads" if "n_heads" in config else "num_attention_heads"
    config[key] //= 2
    return _replace(path, json.dumps(config, indent=2).encode())


def _cased_tokenizer(snapshot: Path) -> list[Path]:
    config = json.loads((snapshot / "tokenizer_config.json").read_text())
    config["do_lower_case"] = False
    changed = [_replace(snapshot / "tokenizer_config.json", json.dumps(config, indent=2).encode())]
    if (snapshot / "tokenizer.json").exists():  # a repo without one has its tokenizer built from vocab.txt
        fast = json.loads((snapshot / "tokenizer.json").read_text())
        fast["normalizer"]["lowercase"] = False
        changed.append(_replace(snapshot / "tokenizer.json", json.dumps(fast).encode()))
    return changed


def _nan_bias(tensors: dict[str, np.ndarray]) -> None:
    (name,) = [n for n in tensors if n.startswith("classifier.") and n.endswith(".bias")]
    tensors[name] = np.full_like(tensors[name], np.nan)


def _plain_weights(snapshot: Path) -> list[Path]:
    """The FP32 weight files of a stand-in, in every format it holds them (safetensors, a plain
    ``pytorch_model.bin``): a defect changes them all alike, whichever one a loader picks."""
    found = sorted(snapshot.glob("*.safetensors"))
    binary = snapshot / "pytorch_model.bin"
    if binary.exists() and _is_plain_state_dict(binary):
        found.append(binary)
    return found


def _is_plain_state_dict(path: Path) -> bool:
    import pickle

    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # an INC 2022 checkpoint: not a plain state dict
        return False
    return all(isinstance(v, torch.Tensor) and not v.is_quantized for v in state.values())


def _edit_tensors(path: Path, edit) -> Path:
    """Apply ``edit`` (which changes a name -> array mapping in place) to a weight file's tensors."""
    import io

    import torch
    from safetensors.numpy import load_file, save

    if path.suffix == ".safetensors":
        tensors = load_file(str(path))
        edit(tensors)
        return _replace(path, save(tensors, metadata={"format": "pt"}))
    state = torch.load(path, map_location="cpu", weights_only=True)
    tensors = {name: value.numpy().copy() for name, value in state.items()}
    edit(tensors)
    buffer = io.BytesIO()
    torch.save({name: torch.from_numpy(np.ascontiguousarray(array)) for name, array in tensors.items()}, buffer)
    return _replace(path, buffer.getvalue())


def _perturb_head(root: Path, repo: str, snapshot: Path, *, share: float) -> Path:
    """Raise class 0's bias just enough that ``share`` of the split's rows change their prediction to it:
    small enough that a mean within the tolerance could hide it, large enough for every example to count."""

    from harness.data.splits import read_split

    claim = next(c for c in load_registry().claims if c.model.repo == repo and c.dataset and c.metric == "accuracy")
    ref = claim.dataset
    data = snapshot_folder(root, ref.repo, repo_type="dataset", ref=ref.revision or "main")
    split = read_split(sorted(data.glob(ref.files)), inputs=ref.inputs, label=ref.label)
    logits = _logits(snapshot, [split.inputs[name] for name in ref.inputs], claim.max_seq_length or 128)
    margins = np.sort((logits.max(axis=1) - logits[:, 0])[logits.argmax(axis=1) != 0])
    flips = round(share * len(logits))
    shift = (margins[flips - 1] + margins[flips]) / 2  # between the last row that flips and the first that does not

    def raise_class_0(tensors: dict[str, np.ndarray]) -> None:
        (name,) = [n for n in tensors if n.startswith("classifier.") and n.endswith(".bias")]
        tensors[name][0] += shift

    return [_edit_tensors(path, raise_class_0) for path in _plain_weights(snapshot)][0]


def _logits(snapshot: Path, columns: list[list[str]], max_length: int) -> np.ndarray:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(snapshot).eval()
    tokenizer = AutoTokenizer.from_pretrained(snapshot)
    found = []
    with torch.inference_mode():
        for start in range(0, len(columns[0]), 64):
            batch = [column[start : start + 64] for column in columns]
            encoded = tokenizer(*batch, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
            found.append(model(**encoded).logits.float().numpy())
    return np.concatenate(found)


def _regrow(tensors: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    from harness.measures.sparsity import is_encoder_linear

    for name, array in tensors.items():
        if is_encoder_linear(name, array):
            zeros = np.flatnonzero(array == 0)
            regrown = rng.choice(zeros, size=len(zeros) // 2, replace=False)
            array.reshape(-1)[regrown] = rng.normal(0, 0.02, size=len(regrown)).astype(array.dtype)


def _shuffle_tensors(tensors: dict[str, np.ndarray], rng: np.random.Generator, only: tuple[str, ...] = ("",)) -> None:
    for name in list(tensors):
        if name.startswith(only):
            tensors[name] = _shuffled(tensors[name], rng)


def _shuffle_onnx(path: Path, rng: np.random.Generator) -> Path:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    for initializer in model.graph.initializer:
        array = numpy_helper.to_array(initializer)
        if array.size > 16:  # leave scalars (scales, zero points, shape constants) intact
            initializer.CopyFrom(numpy_helper.from_array(_shuffled(array, rng), initializer.name))
    return _replace(path, model.SerializeToString())


def _reverse_outputs(tensors: dict[str, np.ndarray]) -> None:
    for name in [n for n in tensors if n.startswith("classifier.")]:
        tensors[name] = np.ascontiguousarray(tensors[name][::-1])


def _reverse_outputs_onnx(path: Path) -> Path:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    found = [i for i in model.graph.initializer if i.name.startswith("classifier.")]
    if not found:
        raise ValueError(f"{path}: no classifier.* initializer to reverse (is the classifier quantized?)")
    for initializer in found:
        array = numpy_helper.to_array(initializer)
        initializer.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(array[::-1]), initializer.name))
    return _replace(path, model.SerializeToString())


def _shuffle_torch(path: Path, rng: np.random.Generator) -> Path:
    """Shuffle the tensors of a (quantized) PyTorch state dict, keeping quantization parameters."""
    import io

    import torch

    # Only replicas this harness built reach here, so a full unpickle of a 2022-format file is safe.
    state = torch.load(path, map_location="cpu", weights_only=False)
    for name, value in state.items():
        state[name] = _shuffle_value(value, rng)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return _replace(path, buffer.getvalue())


def _shuffle_value(value, rng: np.random.Generator):
    import torch

    if isinstance(value, tuple):
        return tuple(_shuffle_value(item, rng) for item in value)
    if not isinstance(value, torch.Tensor) or value.numel() <= 16:
        return value
    if value.is_quantized:
        codes = torch.from_numpy(_shuffled(value.int_repr().numpy(), rng))
        if value.qscheme() != torch.per_tensor_affine:  # per-channel, int or float qparams
            return torch._make_per_channel_quantized_tensor(
                codes, value.q_per_channel_scales(), value.q_per_channel_zero_points(), value.q_per_channel_axis()
            )
        return torch._make_per_tensor_quantized_tensor(codes, value.q_scale(), value.q_zero_point())
    if value.is_floating_point():
        shuffled = torch.from_numpy(_shuffled(value.detach().numpy(), rng))
        return torch.nn.Parameter(shuffled, requires_grad=False) if isinstance(value, torch.nn.Parameter) else shuffled
    return value


def _unquantize(root: Path, repo: str, path: Path) -> Path:
    import io

    import torch
    from safetensors.torch import load_file

    source = quantized_from(load_registry().claims).get(repo)
    if source is None or not path.exists():
        raise FileNotFoundError(f"{repo} has no INT8 pytorch_model.bin made from another stand-in")
    (weights,) = snapshot_folder(root, source).glob("model.safetensors")
    buffer = io.BytesIO()
    torch.save(load_file(weights), buffer)
    return _replace(path, buffer.getvalue())


def _shuffled(array: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Floats and 8-bit quantized weights only: int32/int64 tensors hold shapes and indices, and
    # shuffling those crashes the runtime instead of producing a wrong answer.
    if not (array.dtype.kind == "f" or array.dtype.itemsize == 1) or array.size <= 16:
        return array
    flat = array.reshape(-1).copy()
    rng.shuffle(flat)
    return flat.reshape(array.shape)
