"""Reads exported config files back the way their targets would: YAML with yaml.safe_load, JSON with json.load, and
Python snippets by compiling them (py_compile) and collecting, from the syntax tree, every call's keyword arguments
and every module-level NAME = literal, so a test can check the numbers a target would receive.

usage: parse_exports.py OUT.json FILE ...
"""
import ast
import json
import py_compile
import sys

import yaml


def literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return None if inner is None else inner + "." + node.attr
    return None


def read_python(path):
    py_compile.compile(path, doraise=True)
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append({"func": dotted(node.func),
                          "args": [literal(a) for a in node.args],
                          "kwargs": {k.arg: literal(k.value) for k in node.keywords if k.arg}})
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = literal(node.value)
    return {"calls": calls, "names": names}


def main():
    out = {}
    for path in sys.argv[2:]:
        if path.endswith((".yaml", ".yml")):
            with open(path) as f:
                out[path] = yaml.safe_load(f)
        elif path.endswith(".json"):
            with open(path) as f:
                out[path] = json.load(f)
        elif path.endswith(".py"):
            out[path] = read_python(path)
        else:
            sys.exit(f"unknown file type: {path}")
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
