"""What Megatron-LM core_v0.19.0 makes of an argument line `torchmix export` writes, following its code step by step
(our own code, written from reading it; standard library only):

- megatron/training/arguments.py, validate_args: with --data-path given and --split not, --split becomes the legacy
  default "969, 30, 1"; --data-path and --data-args-path are exclusive.
- megatron/training/utils/common_utils.py, get_blend_and_blend_per_split: --data-args-path is read with
  f.read().split(); --per-split-data-args-path is JSON with keys train, valid, test (a string value is split).
- megatron/core/datasets/utils.py, get_blend_from_list: an even list is (weight, prefix) pairs unless a weight does not
  parse as a float; prefixes are stripped.
- megatron/core/datasets/blended_megatron_dataset_config.py, __post_init__: with blend_per_split, split must be None;
  with a blend, "split must be provided when blend is not None"; the split is parsed with re.findall(r"[.0-9]+"),
  padded to three, normalised, and turned into bookends.
- megatron/core/datasets/blended_megatron_dataset_builder.py: a dataset of N documents gives split i the documents
  [int(round(lo * N)), int(round(hi * N))).

usage: megatron_reader.py OUT.json ARGS_FILE [WORK_DIR]
Writes {"ok": bool, "error": str|null, "blend": ..., "blend_per_split": ..., "split_matrix": ..., "train_fraction": {prefix: share of its documents in the train split}}.
Document counts come from PREFIX.idx when it exists (relative prefixes resolve against WORK_DIR).
"""
import json
import os
import re
import struct
import sys

OPTIONS = {"--data-path": "nargs", "--split": 1, "--data-args-path": 1, "--per-split-data-args-path": 1,
           "--train-data-path": "nargs", "--valid-data-path": "nargs", "--test-data-path": "nargs"}


def parse(tokens):
    args = {k[2:].replace("-", "_"): None for k in OPTIONS}
    i = 0
    while i < len(tokens):
        key = tokens[i]
        if key not in OPTIONS:
            raise SystemExit(f"argument line has an option Megatron's data group does not define here: {key}")
        j = i + 1
        while j < len(tokens) and not tokens[j].startswith("--"):
            j += 1
        values = tokens[i + 1:j]
        args[key[2:].replace("-", "_")] = values if OPTIONS[key] == "nargs" else " ".join(values)
        i = j
    return args


def blend_from_list(blend):
    if blend is None:
        return None
    if len(blend) % 2 == 1:
        return [s.strip() for s in blend], None
    weights = []
    for w in blend[0::2]:
        try:
            weights.append(float(w))
        except ValueError:
            weights.append(None)
    if any(w is None for w in weights):
        return [s.strip() for s in blend], None
    return [s.strip() for s in blend[1::2]], weights


def documents(prefix, work_dir):
    path = prefix if os.path.isabs(prefix) else os.path.join(work_dir, prefix)
    if not os.path.exists(path + ".idx"):
        return None
    with open(path + ".idx", "rb") as f:
        head = f.read(34)
    if head[:9] != b"MMIDIDX\x00\x00":
        raise SystemExit(f"{path}.idx: not a Megatron index")
    _, document_index_count = struct.unpack_from("<QQ", head, 18)
    return document_index_count - 1


def main():
    out_path, args_file = sys.argv[1], sys.argv[2]
    work_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.dirname(args_file)
    with open(args_file) as f:
        args = parse(f.read().split())
    result = {"ok": False, "error": None, "blend": None, "blend_per_split": None, "split_matrix": None, "train_fraction": {}}
    try:
        if args["data_path"] is not None and args["split"] is None:
            args["split"] = "969, 30, 1"
        if args["data_path"] is not None or args["data_args_path"] is not None:
            assert args["data_path"] is None or args["data_args_path"] is None
        blend = blend_per_split = None
        if args["data_path"] is not None or args["data_args_path"] is not None:
            if args["data_args_path"] is not None:
                with open(os.path.join(work_dir, args["data_args_path"])) as f:
                    blend = blend_from_list(f.read().split())
            else:
                blend = blend_from_list(args["data_path"])
        elif args["per_split_data_args_path"] is not None:
            with open(os.path.join(work_dir, args["per_split_data_args_path"])) as f:
                per_split = json.load(f)
            for key in ["train", "valid", "test"]:
                if isinstance(per_split[key], str):
                    per_split[key] = per_split[key].split()
            blend_per_split = [blend_from_list(per_split[k]) for k in ["train", "valid", "test"]]
        split = args["split"]
        if blend_per_split is not None and any(blend_per_split):
            assert blend is None, "blend and blend_per_split are incompatible"
            assert split is None, "split and blend_per_split are incompatible"
            for b in blend_per_split:
                assert b is None or b[1] is None or len(b[0]) == len(b[1]), "blend per split prefixes and weights must be equal in number"
            result["blend_per_split"] = blend_per_split
            for prefix in blend_per_split[0][0]:
                result["train_fraction"][prefix] = 1.0
        else:
            assert blend is not None, "no blend (Megatron would use mock data)"
            assert blend[1] is None or len(blend[0]) == len(blend[1]), "blend prefixes and weights must be equal in number"
            assert split is not None, "split must be provided when blend is not None"
            vector = [float(x) for x in re.findall(r"[.0-9]+", split)]
            vector += [0.0] * (3 - len(vector))
            assert len(vector) == 3 and all(x >= 0 for x in vector)
            vector = [x / sum(vector) for x in vector]
            ends = [0.0]
            for x in vector:
                ends.append(ends[-1] + x)
            matrix = [(a, b) if b > a else None for a, b in zip(ends[:-1], ends[1:])]
            result["blend"] = blend
            result["split_matrix"] = matrix
            for prefix in blend[0]:
                n = documents(prefix, work_dir)
                if matrix[0] is None:
                    result["train_fraction"][prefix] = 0.0
                elif n is None:
                    result["train_fraction"][prefix] = matrix[0][1] - matrix[0][0]
                else:
                    lo, hi = int(round(matrix[0][0] * float(n))), int(round(matrix[0][1] * float(n)))
                    result["train_fraction"][prefix] = (hi - lo) / n if n else 1.0
        result["ok"] = True
    except AssertionError as e:
        result["error"] = str(e)
    with open(out_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
