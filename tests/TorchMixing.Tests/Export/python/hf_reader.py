"""Runs the row filter of an exported interleave.py without the datasets library: the module's constant assignments
and function definitions are taken from its syntax tree and executed (imports and the load/interleave calls are left
out), then keep() is applied to each text, as Dataset.filter(keep, input_columns=[column]) would apply it to each
row (datasets 5.0.1, commit 921c2a7c, arrow_dataset.py). Standard library only.

usage: hf_reader.py OUT.json INTERLEAVE.py TEXTS.json      (TEXTS.json: a list of strings or nulls)
Writes {"keep": [bool, ...], "names": {NAME: value}}.
"""
import ast
import json
import sys


def main():
    out_path, script, texts_path = sys.argv[1:4]
    with open(script) as f:
        tree = ast.parse(f.read(), script)
    # Everything but the imports and the statements that load or interleave (they assign `mixed`).
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) or
            (isinstance(n, ast.Assign) and not any(isinstance(t, ast.Name) and t.id == "mixed" for t in n.targets))]
    namespace = {}
    exec(compile(ast.Module(body=body, type_ignores=[]), script, "exec"), namespace)
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    names = {k: v for k, v in namespace.items() if k.isupper() and isinstance(v, (int, float, str, list, dict, tuple, type(None)))}
    with open(out_path, "w") as f:
        json.dump({"keep": [bool(namespace["keep"](t)) for t in texts], "names": names}, f)


if __name__ == "__main__":
    main()
