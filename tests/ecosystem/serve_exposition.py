#!/usr/bin/env python3
"""Serves a hand-written Prometheus exposition file on 127.0.0.1, with growing counters.

Samples of counter families (# TYPE ... counter) and of histogram families (_bucket, _sum,
_count) are multiplied by the seconds since the server started, so the number written in the
file is the series' rate per second and rate() over the scrapes is non-zero; gauges are served
as written. Binds port 0 and writes the chosen port to --port-file (atomically) once listening.

  serve_exposition.py --file core_families.prom --port-file /tmp/x/port

Standard library only. Serves GET /metrics; every other path is 404.
"""

import argparse
import http.server
import os
import re
import time

SAMPLE_RE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{[^}]*\})?\s+(?P<value>\S+)"
                       r"(?P<rest>.*)$")


def render(lines, types, factor):
    out = []
    for line in lines:
        m = SAMPLE_RE.match(line)
        if not m:
            out.append(line)
            continue
        name = m.group("name")
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        grows = types.get(name) == "counter" or (base != name and types.get(base) == "histogram")
        if not grows:
            out.append(line)
            continue
        value = float(m.group("value")) * factor
        out.append(f"{name}{m.group('labels') or ''} {value!r}{m.group('rest')}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()

    with open(args.file, encoding="utf-8") as f:
        lines = f.read().splitlines()
    types = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[:2] == ["#", "TYPE"]:
            types[parts[2]] = parts[3]
    started = time.monotonic()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server API)
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            body = render(lines, types, time.monotonic() - started).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *unused):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
