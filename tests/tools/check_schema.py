#!/usr/bin/python3
"""Validates manifest files against docs/manifest.schema.json (python3-jsonschema).

usage: check_schema.py SCHEMA VALID.json [--invalid BAD.json ...]
Exit 0 when every VALID file validates and every --invalid file does not."""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    ok = True
    expect_valid = True
    for arg in sys.argv[2:]:
        if arg == "--invalid":
            expect_valid = False
            continue
        errors = list(validator.iter_errors(json.load(open(arg, encoding="utf-8"))))
        if expect_valid and errors:
            ok = False
            for e in errors:
                print(f"{arg}: {'/'.join(map(str, e.path))}: {e.message}")
        if not expect_valid and not errors:
            ok = False
            print(f"{arg}: validates, but should not")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
