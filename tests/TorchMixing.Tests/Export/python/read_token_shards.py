"""Independent reader of the token files `torchmix export --with-tokens` writes, written from the format descriptions
(Megatron-LM megatron/core/datasets/indexed_dataset.py; OLMo-core docs/source/guides/data_loading.rst), not from our
writer. Every structural rule is checked; any violation exits non-zero with a message.

usage: read_token_shards.py OUT.json megatron:PREFIX ... olmo:PATH:DTYPE:EOS ...
Writes {"megatron": {PREFIX: {"dtype": ..., "documents": [[ids], ...]}}, "olmo": {PATH: {...}}}.
"""
import json
import struct
import sys

import numpy as np

# Megatron's DType codes (indexed_dataset.py).
CODES = {1: "uint8", 2: "int8", 3: "int16", 4: "int32", 5: "int64", 6: "float64", 7: "float32", 8: "uint16"}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(3)


def read_megatron(prefix):
    with open(prefix + ".idx", "rb") as f:
        idx = f.read()
    if idx[:9] != b"MMIDIDX\x00\x00":
        fail(f"{prefix}.idx: bad header {idx[:9]!r}")
    (version,) = struct.unpack_from("<Q", idx, 9)
    if version != 1:
        fail(f"{prefix}.idx: version {version}")
    code = idx[17]
    if code not in CODES:
        fail(f"{prefix}.idx: unknown dtype code {code}")
    dtype = np.dtype(CODES[code]).newbyteorder("<")
    sequence_count, document_index_count = struct.unpack_from("<QQ", idx, 18)
    offset = 34
    lengths = np.frombuffer(idx, dtype="<i4", count=sequence_count, offset=offset)
    offset += 4 * sequence_count
    pointers = np.frombuffer(idx, dtype="<i8", count=sequence_count, offset=offset)
    offset += 8 * sequence_count
    document_indices = np.frombuffer(idx, dtype="<i8", count=document_index_count, offset=offset)
    offset += 8 * document_index_count
    if offset != len(idx):
        fail(f"{prefix}.idx: {len(idx) - offset} trailing bytes")
    if document_index_count < 1 or document_indices[0] != 0 or document_indices[-1] != sequence_count:
        fail(f"{prefix}.idx: document indices must run from 0 to the sequence count")
    if np.any(np.diff(document_indices) < 0) or np.any(lengths < 0):
        fail(f"{prefix}.idx: decreasing document indices or negative lengths")
    expected_pointers = np.concatenate([[0], np.cumsum(lengths.astype(np.int64) * dtype.itemsize)[:-1]]) if sequence_count else []
    if not np.array_equal(pointers, expected_pointers):
        fail(f"{prefix}.idx: pointers are not the byte offsets of consecutive sequences")
    tokens = np.fromfile(prefix + ".bin", dtype=dtype)
    if tokens.size != int(lengths.sum()):
        fail(f"{prefix}.bin: {tokens.size} tokens, index says {int(lengths.sum())}")
    documents = []
    for d in range(document_index_count - 1):
        parts = []
        for s in range(document_indices[d], document_indices[d + 1]):
            start = pointers[s] // dtype.itemsize
            parts.append(tokens[start:start + lengths[s]])
        documents.append([int(t) for t in (np.concatenate(parts) if parts else [])])
    return {"dtype": CODES[code], "documents": documents}


def read_olmo(path, dtype_name, eos):
    dtype = np.dtype(dtype_name).newbyteorder("<")
    tokens = np.memmap(path, dtype=dtype, mode="r")
    if tokens.size and int(tokens[-1]) != eos:
        fail(f"{path}: does not end with the end-of-text id {eos}")
    ends = np.flatnonzero(tokens == eos)
    documents, start = [], 0
    for end in ends:
        documents.append([int(t) for t in tokens[start:end + 1]])
        start = end + 1
    return {"dtype": dtype_name, "documents": documents}


def main():
    out = {"megatron": {}, "olmo": {}}
    for spec in sys.argv[2:]:
        kind, _, rest = spec.partition(":")
        if kind == "megatron":
            out["megatron"][rest] = read_megatron(rest)
        elif kind == "olmo":
            path, dtype_name, eos = rest.rsplit(":", 2)
            out["olmo"][path] = read_olmo(path, dtype_name, int(eos))
        else:
            fail(f"unknown spec {spec}")
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
