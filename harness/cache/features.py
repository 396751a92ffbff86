"""Tokenized features of a split, kept on disk so that every backend and every later run reuses them.

An entry is keyed by the tokenizer's files (their identities, as the prediction cache names them),
its class and padding side, the task's tokenization settings, the harness's source, and a digest
of the texts themselves — so a sample, a new dataset revision or an edited tokenizer file is a new
entry, and nothing about where the texts came from needs to be trusted. Entries are ``.npz``
archives read without pickle, carrying their key and a sha256 of their arrays; an entry that fails
either check is refused and recomputed.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from harness.cache.store import CorruptEntry, EntryStore, folder_identity, key_of, write_atomically

# What a tokenizer is loaded from, besides the vocabulary files its class names.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")
_KEY, _CHECKSUM = "__key__", "__sha256__"


class FeatureCache(EntryStore):
    suffix = ".npz"

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under ``key``, or None when there is none. Raises CorruptEntry for an
        entry that is there but cannot be trusted."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise CorruptEntry(f"{path} is not a readable feature archive ({exc})") from None
        stored_key, checksum = arrays.pop(_KEY, None), arrays.pop(_CHECKSUM, None)
        if stored_key is None or checksum is None or str(stored_key) != key:
            raise CorruptEntry(f"{path} holds other features than its name says")
        if str(checksum) != _digest(arrays):
            raise CorruptEntry(f"{path} does not match its checksum: changed since it was written")
        return arrays

    def put(self, key: str, arrays: dict[str, np.ndarray]) -> Path:
        path = self.path(key)
        stored = {**arrays, _KEY: np.array(key), _CHECKSUM: np.array(_digest(arrays))}
        write_atomically(path, lambda out: np.savez(out, **stored))
        return path


def features_key(tokenizer, *, kind: str, settings: dict[str, Any], columns: Sequence[Sequence[str]]) -> str | None:
    """The entry for ``columns`` tokenized by ``tokenizer``; None when the tokenizer was not loaded
    from a folder (nothing on disk to name it by)."""
    folder = Path(getattr(tokenizer, "name_or_path", "") or "")
    if not folder.is_dir():
        return None
    names = {*TOKENIZER_FILES, *getattr(tokenizer, "vocab_files_names", {}).values()}
    files = [folder / name for name in sorted(names) if (folder / name).is_file()]
    return key_of({
        "kind": kind,
        "tokenizer": {"class": type(tokenizer).__name__, "padding_side": tokenizer.padding_side,
                      "files": folder_identity(folder, files)},
        "settings": settings,
        "texts": texts_digest(columns),
    })  # fmt: skip


def texts_digest(columns: Sequence[Sequence[str]]) -> str:
    digest = hashlib.sha256()
    for column in columns:
        digest.update(b"\x00column")
        for text in column:
            encoded = str(text).encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "little") + encoded)
    return digest.hexdigest()


def cached(
    cache: FeatureCache | None,
    key: str | None,
    compute: Callable[[], Any],
    *,
    to_arrays: Callable[[Any], dict[str, np.ndarray]],
    from_arrays: Callable[[dict[str, np.ndarray]], Any],
) -> tuple[Any, str | None]:
    """The features from the cache, or computed and stored; and a note when an entry was refused."""
    if cache is None or key is None:
        return compute(), None
    note = None
    try:
        found = cache.get(key)
    except CorruptEntry as exc:
        found, note = None, f"feature cache entry refused and recomputed: {exc}"
    if found is not None:
        try:
            return from_arrays(found), None
        except (KeyError, ValueError) as exc:
            note = f"feature cache entry refused and recomputed: {cache.path(key)} lacks what it should hold ({exc})"
    value = compute()
    cache.put(key, to_arrays(value))
    return value, note


def _digest(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode() + b"\0" + array.tobytes())
    return digest.hexdigest()
