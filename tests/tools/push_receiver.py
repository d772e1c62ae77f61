#!/usr/bin/env python3
"""A receiver for [airtime.push] in tests: accepts NDJSON POSTs on a loopback port and
appends every acknowledged body to OUT. The first --fail-first requests are answered
500 (their rows must come again). Says "listening on PORT" on stderr when ready."""

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--fail-first", type=int, default=0)
    args = ap.parse_args()
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            state["requests"] += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if state["requests"] <= args.fail_first:
                self.send_response(500)
                self.end_headers()
                return
            lines = body.decode("utf-8").splitlines()
            for line in lines:
                json.loads(line)["id"]  # each line is a row with an id, or this is a 400
            if self.headers.get("Content-Type", "").split(";")[0] != "application/x-ndjson" or \
                    int(self.headers.get("X-Loaxa-Rows", "-1")) != len(lines):
                self.send_response(400)
                self.end_headers()
                return
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(body.decode("utf-8"))
            self.send_response(204)
            self.end_headers()
            print(f"batch {len(lines)} rows", file=sys.stderr, flush=True)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening on {server.server_address[1]}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
