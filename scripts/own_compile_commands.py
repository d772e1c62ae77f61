#!/usr/bin/env python3
"""Prints the entries of a CMake compile_commands.json for loaxa's own code (common/,
scheduler/, player/, http/, sync/, store/, daemon/, hub/, cli/, tools/ of the source tree this
runs in), the set `make cppcheck` analyses. Usage: scripts/own_compile_commands.py BUILD/compile_commands.json"""
import json
import os
import sys

own = ("common/", "scheduler/", "player/", "http/", "sync/", "store/", "daemon/", "hub/", "cli/", "tools/")
entries = json.load(open(sys.argv[1]))
json.dump([e for e in entries if os.path.relpath(e["file"], os.getcwd()).startswith(own)],
          sys.stdout, indent=1)
