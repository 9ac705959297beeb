"""Independent reader of the token files `torchmix export --with-tokens` writes, written from the upstream readers,
not from our writer (standard library only: struct, array, gzip):

- Megatron-LM core_v0.19.0 (commit 5be96267) megatron/core/datasets/indexed_dataset.py, _IndexReader: header
  MMIDIDX\x00\x00, version, dtype code, sequence count, document count, then lengths, pointers, document indices.
- OLMo-core v2.5.0 (commit 002e0d79) src/olmo_core/data/utils.py: the token array is a raw memmap; for a remote path
  iter_document_indices reads the metadata file named like the array with ".npy" replaced by ".csv.gz" (gzip text,
  "start,end" per line, bounds checked against the array) — it must agree with write_document_indices, which cuts the
  array after every end-of-text id.

Every structural rule is checked; any violation exits non-zero with a message.

usage: read_token_shards.py OUT.json megatron:PREFIX ... olmo:PATH:DTYPE:EOS ...
Writes {"megatron": {PREFIX: {"dtype": ..., "documents": [[ids], ...]}}, "olmo": {PATH: {...}}}.
"""
import array
import gzip
import json
import os
import struct
import sys

# Megatron's DType codes (indexed_dataset.py) as array typecodes.
CODES = {1: ("uint8", "B"), 2: ("int8", "b"), 3: ("int16", "h"), 4: ("int32", "i"), 5: ("int64", "q"), 8: ("uint16", "H")}
TYPECODES = {"uint16": "H", "uint32": "I", "int32": "i"}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(3)


def load(path, typecode):
    values = array.array(typecode)
    with open(path, "rb") as f:
        data = f.read()
    if len(data) % values.itemsize:
        fail(f"{path}: {len(data)} bytes is not a whole number of {values.itemsize}-byte tokens")
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    return values


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
    name, typecode = CODES[code]
    itemsize = array.array(typecode).itemsize
    n, m = struct.unpack_from("<QQ", idx, 18)
    offset = 34
    lengths = struct.unpack_from(f"<{n}i", idx, offset)
    offset += 4 * n
    pointers = struct.unpack_from(f"<{n}q", idx, offset)
    offset += 8 * n
    document_indices = struct.unpack_from(f"<{m}q", idx, offset)
    offset += 8 * m
    if offset != len(idx):
        fail(f"{prefix}.idx: {len(idx) - offset} trailing bytes")
    if m < 1 or document_indices[0] != 0 or document_indices[-1] != n:
        fail(f"{prefix}.idx: document indices must run from 0 to the sequence count")
    if any(b < a for a, b in zip(document_indices, document_indices[1:])) or any(x < 0 for x in lengths):
        fail(f"{prefix}.idx: decreasing document indices or negative lengths")
    running = 0
    for s in range(n):
        if pointers[s] != running:
            fail(f"{prefix}.idx: pointer {s} is {pointers[s]}, the byte offset of consecutive sequences is {running}")
        running += lengths[s] * itemsize
    tokens = load(prefix + ".bin", typecode)
    if len(tokens) != sum(lengths):
        fail(f"{prefix}.bin: {len(tokens)} tokens, index says {sum(lengths)}")
    documents = []
    for d in range(m - 1):
        doc = []
        for s in range(document_indices[d], document_indices[d + 1]):
            start = pointers[s] // itemsize
            doc.extend(tokens[start:start + lengths[s]])
        documents.append(doc)
    return {"dtype": name, "documents": documents}


def read_olmo(path, dtype_name, eos):
    tokens = load(path, TYPECODES[dtype_name])
    if tokens and tokens[-1] != eos:
        fail(f"{path}: does not end with the end-of-text id {eos}")
    by_eos, start = [], 0
    for i, t in enumerate(tokens):
        if t == eos:
            by_eos.append((start, i + 1))
            start = i + 1
    metadata = os.path.join(os.path.dirname(path), os.path.basename(path).replace(".npy", ".csv.gz"))
    by_metadata = []
    with gzip.open(metadata, "rt") as f:
        for line in f:
            start_str, end_str, *_ = line.split(",")
            start, end = int(start_str), int(end_str)
            if start >= len(tokens) or end > len(tokens):
                fail(f"{metadata}: document [{start}, {end}) is out of bounds of {len(tokens)} tokens")
            by_metadata.append((start, end))
    if by_metadata != by_eos:
        fail(f"{metadata}: document indices differ from the end-of-text positions of {path}")
    return {"dtype": dtype_name, "documents": [list(tokens[a:b]) for a, b in by_metadata]}


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
