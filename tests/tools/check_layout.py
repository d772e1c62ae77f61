#!/usr/bin/env python3
"""Checks that loaxa's components depend on each other the way docs/architecture.md says.

1. Includes: a file of a component includes loaxa headers only from the components it may
   depend on (the table below), so nothing reaches a folder above it.
2. Links: the libraries that must stay free of GStreamer (and of the box's SQLite, and of
   the daemon) do not link them, directly or through another library (CMake's own link
   graph, written at configure time to BUILD/layout_links.txt).

Usage: check_layout.py SOURCE_DIR BUILD_DIR. Prints every violation; exit 1 if any."""
import os
import re
import sys

# What each folder may include, besides itself. Order of the layers, bottom up.
MAY_INCLUDE = {
    "common": set(),
    "scheduler": {"common"},
    "player": {"common"},
    "http": {"common"},
    "airtime": {"common", "scheduler"},
    "sync": {"common", "scheduler"},
    "store": {"airtime", "common", "scheduler"},
    "daemon": {"airtime", "common", "scheduler", "player", "http", "sync", "store"},
    "cli": {"airtime", "common", "scheduler", "sync", "store"},
    # The province hub: the shared libraries, never the box's player, store or daemon.
    "hub": {"airtime", "common", "scheduler", "http", "sync"},
    # The hub's upload examiner: the player's probe and loudness (only the hub's program
    # links it; nothing else of the hub may include it).
    "hub/media": {"common", "player", "hub"},
    # The verbs that examine this machine's media and devices, and the entry point.
    "cli/local": {"airtime", "cli", "common", "scheduler", "player", "http", "sync", "store", "daemon"},
    "cli/main.cpp": {"airtime", "cli", "common", "scheduler", "player", "http", "sync", "store", "daemon"},
    "tools": {"airtime", "common", "scheduler", "store"},
}
# Known exceptions, each with its reason; an exception no longer needed is an error too.
EXCEPTIONS = {
    # The still-image duration bounds are a rule of content, kept beside the channel
    # settings they bound; the manifest checks items against them (header only).
    ("sync/manifest.cpp", "player/output.hpp"),
}

# Libraries that must not link these (by CMake target or pkg-config name).
MUST_NOT_LINK = {
    "loaxa_airtime": ["PkgConfig::GST", "PkgConfig::SQLITE3", "loaxa_store", "loaxa_daemon"],
    "loaxa_common": ["PkgConfig::GST", "PkgConfig::SQLITE3", "loaxa_daemon"],
    "loaxa_scheduler": ["PkgConfig::GST", "PkgConfig::SQLITE3", "loaxa_daemon"],
    "loaxa_http": ["PkgConfig::GST", "PkgConfig::SQLITE3", "loaxa_daemon"],
    "loaxa_sync": ["PkgConfig::GST", "PkgConfig::SQLITE3", "loaxa_daemon"],
    "loaxa_store": ["PkgConfig::GST", "loaxa_daemon", "loaxa_player"],
    "loaxa_player": ["PkgConfig::SQLITE3", "loaxa_daemon", "loaxa_store"],
    "loaxa_cli": ["PkgConfig::GST", "loaxa_player", "loaxa_daemon"],
    "loaxa_hub": ["PkgConfig::GST", "PkgConfig::SQLITE3", "loaxa_store", "loaxa_player",
                  "loaxa_daemon"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def component(rel):
    if rel == "cli/main.cpp":
        return rel
    if rel.startswith("cli/local/"):
        return "cli/local"
    if rel.startswith("hub/media/"):
        return "hub/media"
    top = rel.split("/", 1)[0]
    return top if top in MAY_INCLUDE else None


def main():
    src, build = sys.argv[1], sys.argv[2]
    problems = []
    used = set()
    for folder in ("common", "airtime", "scheduler", "player", "http", "sync", "store", "daemon", "hub",
                   "cli", "tools"):
        for root, _, files in os.walk(os.path.join(src, folder)):
            for f in files:
                if not f.endswith((".cpp", ".hpp", ".h", ".inc")):
                    continue
                path = os.path.join(root, f)
                rel = os.path.relpath(path, src)
                comp = component(rel)
                allowed = MAY_INCLUDE[comp] | {comp.split("/")[0]}
                text = open(path, encoding="utf-8").read()
                for m in INCLUDE.finditer(text):
                    inc = m.group(1)
                    target = inc.split("/", 1)[0]
                    if target not in MAY_INCLUDE or "/" not in inc:
                        continue  # a header beside it, a generated file
                    if (inc.startswith("hub/media/") and comp == "hub"
                            and rel != "hub/main.cpp"):
                        line = text[: m.start()].count("\n") + 1
                        problems.append(f"{rel}:{line}: includes {inc}; only hub/main.cpp may "
                                        "(the hub's library links no GStreamer)")
                        continue
                    if target in allowed:
                        continue
                    if (rel, inc) in EXCEPTIONS:
                        used.add((rel, inc))
                        continue
                    line = text[: m.start()].count("\n") + 1
                    problems.append(f"{rel}:{line}: includes {inc}, but {comp}/ may include "
                                    f"only from {', '.join(sorted(allowed))}")
    for rel, inc in sorted(EXCEPTIONS - used):
        problems.append(f"check_layout.py: the exception ({rel}, {inc}) is no longer needed; "
                        "remove it")

    links_file = os.path.join(build, "layout_links.txt")
    links = {}
    if not os.path.exists(links_file):
        problems.append(f"{links_file}: missing (configure the build with CMake first)")
    for line in open(links_file, encoding="utf-8") if os.path.exists(links_file) else []:
        name, _, deps = line.partition(":")
        links[name.strip()] = set(deps.split())
    for lib, banned in MUST_NOT_LINK.items():
        if lib not in links:
            problems.append(f"{links_file}: no line for {lib}")
            continue
        for b in banned:
            # GStreamer also when linked by path (libgstreamer-1.0.so, libgstapp-1.0.so).
            hit = b in links[lib] or (b == "PkgConfig::GST" and any(
                os.path.basename(d).startswith("libgst") for d in links[lib]))
            if hit:
                problems.append(f"{lib} links {b} (directly or through another library); "
                                f"it must not: see docs/architecture.md")
    for p in problems:
        print(p)
    print(f"{len(problems)} layout problem(s)" if problems else "layout: every rule holds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
