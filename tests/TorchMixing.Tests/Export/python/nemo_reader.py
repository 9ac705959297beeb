"""What NeMo Automodel v0.5.0 makes of the `dataset:` / `validation_dataset:` sections `torchmix export` writes,
following nemo_automodel/components/datasets/llm/megatron_dataset.py (MegatronPretraining.__init__: a dict of paths
becomes blend_per_split = [get_blend_from_list(paths.get("train")), …("validation"), …("test")] and split is not
passed on; is_zipped_list asserts every even item is a number once one is) and the Megatron config rules it hands the
blend to (megatron_reader.py). Our own code; PyYAML reads the file as Hydra's YAML loader would.

usage: nemo_reader.py OUT.json RECIPE.yaml
Writes {SECTION: {"target": ..., "blend_per_split": ..., "split": ..., "splits_to_build": ..., "num_train_samples": ..., "seq_length": ...}}.
"""
import json
import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from megatron_reader import blend_from_list  # noqa: E402


def is_number(s):
    try:
        float(s)
        return True
    except (TypeError, ValueError):
        return False


def check_zipped(paths):
    if isinstance(paths, list):
        flags = [is_number(x) for x in paths[::2]]
        if any(flags):
            assert all(flags), "Got malformatted zipped list"


def read_section(section):
    paths = section["paths"]
    if not isinstance(paths, dict):
        raise SystemExit("paths is not a dict of splits: Megatron would cut one blend with `split`")
    aliases = {"valid": "validation", "val": "validation", "dev": "validation"}
    paths = {aliases.get(k, k): v for k, v in paths.items()}
    for v in paths.values():
        check_zipped(v)
    per_split = [blend_from_list(paths.get(k)) for k in ["train", "validation", "test"]]
    for b in per_split:
        assert b is None or b[1] is None or len(b[0]) == len(b[1]), "blend per split prefixes and weights must be equal in number"
    return {"target": section["_target_"], "blend_per_split": per_split, "split": section.get("split", "900,50,50"),
            "splits_to_build": section.get("splits_to_build"), "num_train_samples": section.get("num_train_samples"),
            "seq_length": section.get("seq_length")}


def main():
    with open(sys.argv[2]) as f:
        recipe = yaml.safe_load(f)
    out = {k: read_section(v) for k, v in recipe.items() if isinstance(v, dict) and "paths" in v}
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
