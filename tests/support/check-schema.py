#!/usr/bin/python3
"""Validates a JSON document against a JSON Schema (draft 2020-12).

usage: check-schema.py SCHEMA DOCUMENT
Exits 0 when it conforms; 1 with one line per problem (its JSON path and
what is wrong) when it does not; 2 when either file cannot be read. The
schema is checked too, so a broken schema fails rather than passing all.
"""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) != 3:
        print("usage: check-schema.py SCHEMA DOCUMENT", file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as handle:
            schema = json.load(handle)
        with open(sys.argv[2], encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as problem:
        print(f"check-schema: {problem}", file=sys.stderr)
        return 2
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors:
        path = "$" + "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path)
        print(f"{path}: {error.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
