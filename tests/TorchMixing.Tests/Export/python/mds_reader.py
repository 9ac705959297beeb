"""Reads Mosaic Streaming MDS folders the way mosaicml/streaming v0.13.0 does (commit adeeeebe), and weighs streams as
its Stream.apply_weights does; our own code, standard library only:

- streaming/base/stream.py, get_shards: index.json must have version 2; each shard entry goes to reader_from_json.
- streaming/base/format/mds/reader.py, MDSReader.from_json: version 2, format "mds", raw_data/zip_data as file infos;
  get_sample_data: the uint32 pair at byte (1 + idx) * 4 of the shard file is the sample's [begin, end);
  decode_sample: a uint32 size for each column whose column_size is null, then the column bytes in order.
- streaming/base/format/mds/encodings.py: "ndarray:DTYPE:SHAPE" has a static dtype and shape (raw values only).
- streaming/base/stream.py, Stream.apply_weights, absolute branch: choose = int(repeat * samples) for repeat, the
  given choose for choose, else all samples; proportion = choose / sum.

usage: mds_reader.py OUT.json [--streams STREAMS.json] FOLDER ...
Writes {"folders": {FOLDER: {"samples": n, "encoding": ..., "tokens": [[ids], ...]}}, "weights": {...}}.
"""
import array
import json
import os
import struct
import sys

DTYPES = {"uint16": "H", "uint32": "I", "int32": "i", "int64": "q", "uint8": "B"}


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(3)


def decode_column(encoding, data):
    name, _, config = encoding.partition(":")
    if name != "ndarray":
        fail(f"column encoding {encoding}: this reader decodes ndarray columns only")
    parts = config.split(":")
    if len(parts) != 2:
        fail(f"{encoding}: expected a static dtype and shape")
    dtype, shape = parts[0], tuple(int(x) for x in parts[1].split(","))
    values = array.array(DTYPES[dtype])
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    size = 1
    for d in shape:
        size *= d
    if len(values) != size:
        fail(f"{encoding}: sample has {len(values)} values, shape says {size}")
    return list(values)


def read_folder(folder):
    with open(os.path.join(folder, "index.json")) as f:
        index = json.load(f)
    if index["version"] != 2:
        fail(f"{folder}/index.json: version {index['version']}")
    tokens, encodings = [], set()
    for info in index["shards"]:
        if info["version"] != 2 or info["format"] != "mds":
            fail(f"{folder}: shard entry {info.get('raw_data')} is not MDS version 2")
        if info.get("zip_data") is not None or info.get("compression") is not None:
            fail(f"{folder}: compressed shards are not expected")
        names, encs, sizes = info["column_names"], info["column_encodings"], info["column_sizes"]
        if not (len(names) == len(encs) == len(sizes)):
            fail(f"{folder}: column lists differ in length")
        path = os.path.join(folder, info["raw_data"]["basename"])
        with open(path, "rb") as f:
            data = f.read()
        if len(data) != info["raw_data"]["bytes"]:
            fail(f"{path}: {len(data)} bytes, index says {info['raw_data']['bytes']}")
        (count,) = struct.unpack_from("<I", data, 0)
        if count != info["samples"]:
            fail(f"{path}: {count} samples, index says {info['samples']}")
        offsets = struct.unpack_from(f"<{count + 1}I", data, 4)
        config = json.loads(data[4 + 4 * (count + 1):offsets[0]].decode("utf-8"))
        for key in ["column_encodings", "column_names", "column_sizes", "compression", "format", "hashes", "size_limit", "version"]:
            if config.get(key) != info.get(key):
                fail(f"{path}: embedded config {key}={config.get(key)!r} differs from index.json {info.get(key)!r}")
        if offsets[-1] != len(data):
            fail(f"{path}: last offset {offsets[-1]} is not the file size {len(data)}")
        for idx in range(count):
            begin, end = struct.unpack_from("<II", data, (1 + idx) * 4)
            sample = data[begin:end]
            if not sample:
                fail(f"{path}: sample {idx} is empty")
            pos, col_sizes = 0, []
            for size in sizes:
                if size:
                    col_sizes.append(size)
                else:
                    (n,) = struct.unpack_from("<I", sample, pos)
                    col_sizes.append(n)
                    pos += 4
            row = {}
            for name, enc, size in zip(names, encs, col_sizes):
                row[name] = decode_column(enc, sample[pos:pos + size])
                pos += size
            if pos != len(sample):
                fail(f"{path}: sample {idx} has {len(sample) - pos} trailing bytes")
            tokens.append(row["tokens"])
            encodings.add(enc)
    return {"samples": len(tokens), "encoding": sorted(encodings), "tokens": tokens}


def apply_weights(streams, samples):
    relative = [s for s in streams if "proportion" in s]
    if relative and len(relative) != len(streams):
        fail("relative and absolute stream weights are mixed")
    if relative:
        fail("relative weights: this reader checks absolute (choose/repeat) streams")
    choose = []
    for s, n in zip(streams, samples):
        if "repeat" in s:
            choose.append(int(s["repeat"] * n))
        elif "choose" in s:
            choose.append(s["choose"])
        else:
            choose.append(n)
    total = sum(choose)
    return {"choose": choose, "proportion": [c / total for c in choose], "epoch_size": total}


def main():
    out_path, rest = sys.argv[1], sys.argv[2:]
    streams = None
    if rest[:1] == ["--streams"]:
        with open(rest[1]) as f:
            streams = json.load(f)["streams"]
        rest = rest[2:]
    folders = {folder: read_folder(folder) for folder in rest}
    out = {"folders": folders}
    if streams is not None:
        samples = [read_folder(s["local"])["samples"] if s["local"] not in folders else folders[s["local"]]["samples"] for s in streams]
        out["weights"] = apply_weights(streams, samples)
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
