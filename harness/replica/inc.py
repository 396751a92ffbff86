"""Stand-ins for Intel Neural Compressor checkpoints, made by really quantizing a stand-in model.

INC's static post-training quantization (``INCQuantizer`` with ``PostTrainingQuantConfig(approach=
"static")``) runs on calibration rows from the replica dataset and saves INC's current format
(``best_configure`` as plain data in ``pytorch_model.bin``, plus ``inc_config.json``). Intel's 2022
format keeps ``best_configure`` as a pickled INC object; it is made here from the same weights by
storing the config as INC's ``DotDict`` under its 2022 module name, which torch's ``weights_only``
loader refuses, as it refuses the real 2022 file.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path


def quantize(source: Path, out: Path, *, calibration: Sequence[tuple[str, ...]], max_length: int) -> Path:
    """Static INT8 quantization of the transformers folder ``source`` into ``out`` (current format)."""
    import datasets
    from neural_compressor import set_random_seed, set_workspace
    from neural_compressor.config import PostTrainingQuantConfig
    from optimum.intel import INCQuantizer
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    columns = list(zip(*calibration, strict=True))
    encoded = tokenizer(*columns, truncation=True, max_length=max_length, padding="max_length")
    model = AutoModelForSequenceClassification.from_pretrained(source).eval()
    quantizer = INCQuantizer.from_pretrained(model)
    with tempfile.TemporaryDirectory() as workspace:
        set_workspace(workspace)  # INC writes its tuning history there, not into the working directory
        set_random_seed(0)
        quantizer.quantize(
            quantization_config=PostTrainingQuantConfig(approach="static"),
            calibration_dataset=datasets.Dataset.from_dict(dict(encoded)),
            save_directory=out,
            batch_size=8,
        )
    for item in source.iterdir():
        if item.suffix in (".json", ".txt") and not (out / item.name).exists():
            shutil.copy2(item, out / item.name)
    return out


# Where Intel's 2022 checkpoints say DotDict lives (INC 1.x); INC 3.4-3.7 alias that module to
# neural_compressor.utils.utility in neural_compressor/utils/pytorch.py, which is how they still load.
DOTDICT_2022 = "neural_compressor.conf.dotdict"


def to_2022_format(current: Path, target: Path) -> Path:
    """Re-save a current-format checkpoint with ``best_configure`` as a pickled INC object, under the
    global name the real 2022 files carry (``neural_compressor.conf.dotdict.DotDict``), so loading it
    takes the path the real file takes: through INC's module alias."""
    import sys

    import neural_compressor.utils.pytorch  # noqa: F401  (registers the alias)
    import torch
    from neural_compressor.utils.utility import DotDict

    if sys.modules.get(DOTDICT_2022) is None:
        raise RuntimeError(f"this Intel Neural Compressor does not alias {DOTDICT_2022}: 2022 checkpoints cannot load")
    state = torch.load(current, map_location="cpu", weights_only=True)
    state["best_configure"] = DotDict(state["best_configure"])
    module = DotDict.__module__
    DotDict.__module__ = DOTDICT_2022  # pickle records the class by this name; the alias resolves it back
    try:
        torch.save(state, target)
    finally:
        DotDict.__module__ = module
    return target
