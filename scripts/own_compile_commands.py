#!/usr/bin/env python3
"""Prints the entries of a CMake compile_commands.json for loaxa's own code (common/,
scheduler/, player/, http/, sync/, store/, daemon/, hub/, cli/, tools/ of the source tree this
runs in), the set `make cppcheck` analyses, one entry per source file: a unity batch
(cmake/unity.cmake) becomes one entry for each file it includes, with the batch's command.
Usage: scripts/own_compile_commands.py BUILD/compile_commands.json"""
import json
import os
import re
import sys

own = ("common/", "scheduler/", "player/", "http/", "sync/", "store/", "daemon/", "hub/", "cli/", "tools/")
INCLUDE = re.compile(r'^#include "(.+)"$')


def files_of(entry):
    path = entry["file"]
    if not re.search(r"/batches/batch_\d+\.cpp$", path):
        return [path]
    folder = os.path.dirname(path)
    return [os.path.normpath(os.path.join(folder, m.group(1)))
            for m in map(INCLUDE.match, open(path, encoding="utf-8").read().splitlines()) if m]


out = []
for entry in json.load(open(sys.argv[1])):
    for path in files_of(entry):
        if os.path.relpath(path, os.getcwd()).startswith(own):
            out.append(dict(entry, file=path,
                            command=entry["command"].replace(entry["file"], path)))
json.dump(out, sys.stdout, indent=1)
