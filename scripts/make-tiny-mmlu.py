#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Make a tiny, offline stand-in for the MMLU dataset AIPerf's accuracy mode reads.

AIPerf (`--accuracy-benchmark mmlu`) loads `lighteval/mmlu` through
HuggingFace `datasets`, which needs the hub unless the dataset is in the
datasets cache. This writes that cache entry under <hf-home>/datasets for one
subject: a few arithmetic questions with four choices (answer A), in the
test, dev and validation splits the benchmark reads. With HF_HOME=<hf-home>
and HF_DATASETS_OFFLINE=1, `load_dataset("lighteval/mmlu", "<subject>")`
finds it without the network, so accuracy phases can run on this machine.

The entry is made by `datasets` itself (a parquet load, prepared into the
cache) and then filed under the name the hub dataset uses; the layout is
datasets 5.x's (<name>/<config>/<version>/<hash>/{dataset_info.json,
<dataset>-<split>.arrow}).

Usage: python make-tiny-mmlu.py <hf-home> [--subject abstract_algebra] [--questions 8]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

DATASET = "lighteval/mmlu"
SPLITS = ("test", "dev", "validation")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hf_home", type=Path)
    parser.add_argument("--subject", default="abstract_algebra")
    parser.add_argument("--questions", type=int, default=8)
    args = parser.parse_args()

    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import load_dataset

    n = args.questions
    rows = {
        "question": [f"What is {i} + {i}?" for i in range(n)],
        "subject": [args.subject] * n,
        "choices": [[str(2 * i), str(2 * i + 1), str(2 * i + 2), str(2 * i + 3)] for i in range(n)],
        "answer": [0] * n,
    }
    namespace, name = DATASET.split("/")
    target = args.hf_home / "datasets" / f"{namespace}___{name}" / args.subject / "0.0.0" / "tiny"
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for split in SPLITS:
            files[split] = str(Path(tmp, f"{split}.parquet"))
            pq.write_table(pa.table(rows), files[split])
        load_dataset("parquet", data_files=files, cache_dir=str(Path(tmp, "cache")))
        prepared = next(p for p in Path(tmp, "cache", "parquet").glob("*/*/*") if p.is_dir())
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for split in SPLITS:
            shutil.copy(prepared / f"parquet-{split}.arrow", target / f"{name}-{split}.arrow")
        info = json.loads((prepared / "dataset_info.json").read_text())
        info.update({"builder_name": name, "dataset_name": name, "config_name": args.subject})
        (target / "dataset_info.json").write_text(json.dumps(info))
    print(f"wrote {DATASET} ({args.subject}, {n} questions per split) to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
