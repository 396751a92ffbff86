"""Peak resident memory of a full-split classification evaluation of a DistilBERT-base-sized model
stays under 2 GB: the true-size SST-2 stand-in on all 872 sentences of its split, in a process of its
own so that nothing else this test session loaded counts. (What the bound guards against is a second
copy of the weights or of padded batches kept alive; the split's own features and outputs are a few
MB even for CLINC's 3,100 queries and 151 labels, which took four times as long to run.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

LIMIT_BYTES = 2 * 10**9


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the peak from Linux's /proc")
@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_a_full_split_evaluation_stays_under_2_gb(true_size_replica, tmp_path, backend):
    command = [
        sys.executable, "-c",
        # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent through fork
        # and exec, so a child of a large pytest process would report the parent's peak.
        "import re, sys; from harness.cli import main; code = main(sys.argv[1:]); "
        "print('peak_kib', re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
        "sys.exit(code)",
        "eval", "--model", "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "--dataset", "nyu-mll/glue",
        "--config", "sst2", "--split", "validation", "--task", "text-classification", "--backend", backend,
        "--hub", str(true_size_replica), "--cache-dir", str(true_size_replica.parent),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "872 examples in" in done.stdout
    peak = int(done.stdout.rsplit("peak_kib", 1)[1].split()[0]) * 1024  # Linux reports KiB
    assert peak < LIMIT_BYTES, f"peak resident memory {peak / 1e9:.2f} GB on {backend}, over the 2 GB budget"
    print(f"peak resident memory on {backend}: {peak / 1e9:.2f} GB")
