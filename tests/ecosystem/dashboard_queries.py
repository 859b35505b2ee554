#!/usr/bin/env python3
"""Runs every PromQL query of a Grafana dashboard against a real Prometheus.

Walks all panels (including panels nested in collapsed rows) and the query-type template
variables, substitutes Grafana variables (template variables become ".*", interval macros become
--rate-interval), and sends each query to Prometheus's /api/v1/query. Fails when

  * Prometheus rejects a query (parse or execution error),
  * a variable is left unsubstituted, or
  * a query returns no series and is not in MAY_BE_EMPTY below (disabled by --strict).

Usage:
  tests/ecosystem/dashboard_queries.py --prometheus http://127.0.0.1:PORT \
      [--dashboard dashboards/semstreams-core.json] [--rate-interval 1m] [--strict]

Standard library only.
"""

import argparse
import json
import math
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_DASHBOARD = os.path.join(REPO_ROOT, "dashboards", "semstreams-core.json")

# Queries (exactly as written in the dashboard, before substitution) that may legitimately return
# no series from a healthy example server. Everything else must return data: the example server
# records every core family and the process collector exports process_* on every scrape.
# --strict ignores this list (for fixtures that contain every family, e.g. verify_dashboard_static.sh).
MAY_BE_EMPTY = {
    'sum by (service) (rate(semstreams_messages_processed_total{service=~"$service",'
    'status="failed"}[$__rate_interval]))':
        'A healthy service may never fail a message; no status="failed" child means no series.',
    'sum by (service) (rate(semstreams_messages_processed_total{service=~"$service",'
    'status="failed"}[$__rate_interval])) / sum by (service) (rate('
    'semstreams_messages_processed_total{service=~"$service"}[$__rate_interval]))':
        'The numerator is empty when no message has failed (see the query above).',
    'sum by (service, type) (rate(semstreams_errors_total{service=~"$service"}'
    '[$__rate_interval]))':
        'semstreams_errors_total is a CounterVec: it exports nothing until the first error.',
}

# Grafana's built-in interval macros. $__rate_interval and $__interval get --rate-interval;
# the others a plausible dashboard range.
BUILTINS = {
    "__rate_interval": None,  # filled from --rate-interval
    "__interval": None,
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
    "__interval_ms": "60000",
}

# $name, ${name}, ${name:format}, [[name]], [[name:format]]
VAR_RE = re.compile(
    r"\$\{(?P<b>\w+)(?::[^}]*)?\}|\[\[(?P<k>\w+)(?::[^\]]*)?\]\]|\$(?P<p>\w+)")
LABEL_VALUES_RE = re.compile(r"^\s*label_values\((?P<metric>.+),\s*(?P<label>\w+)\s*\)\s*$",
                             re.S)


class Query:
    def __init__(self, where, raw):
        self.where = where
        self.raw = raw
        self.promql = None
        self.error = None


def walk_panels(panels, path=()):
    for panel in panels or []:
        title = panel.get("title") or "(untitled)"
        here = path + (title,)
        for target in panel.get("targets") or []:
            expr = target.get("expr")
            if expr:
                yield Query(f"panel {' / '.join(here)} [{target.get('refId', '?')}]", expr)
        # Rows keep their panels here when collapsed; library panels and old-style rows too.
        yield from walk_panels(panel.get("panels"), here)
    return


def variable_queries(dashboard):
    for var in (dashboard.get("templating") or {}).get("list") or []:
        if var.get("type") != "query":
            continue
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if not query:
            continue
        m = LABEL_VALUES_RE.match(query)
        if m:
            # label_values(metric, label) lists the label's values over the matching series.
            yield Query(f"variable ${var.get('name')}",
                        f"group by ({m.group('label')}) ({m.group('metric').strip()})")
        elif query.strip().startswith(("label_names(", "metrics(", "query_result(")):
            q = Query(f"variable ${var.get('name')}", query)
            q.error = "unsupported variable query function (extend dashboard_queries.py)"
            yield q
        else:
            yield Query(f"variable ${var.get('name')}", query)


def substitute(expr, template_vars, builtins):
    unknown = []

    def repl(m):
        name = m.group("b") or m.group("k") or m.group("p")
        if name in builtins:
            return builtins[name]
        if name in template_vars:
            return ".*"
        unknown.append(name)
        return m.group(0)

    out = VAR_RE.sub(repl, expr)
    return out, unknown


def run_query(base, promql, timeout):
    data = urllib.parse.urlencode({"query": promql}).encode()
    req = urllib.request.Request(base.rstrip("/") + "/api/v1/query", data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as e:  # 400/422 carry a JSON error body
        try:
            body = json.load(e)
        except ValueError:
            return None, f"HTTP {e.code}: {e.reason}"
    except (urllib.error.URLError, OSError, ValueError) as e:
        return None, f"request failed: {e}"
    if body.get("status") != "success":
        return None, f"{body.get('errorType', 'error')}: {body.get('error', body)}"
    return body["data"], None


def count_series(data):
    """Returns (number of series or samples, number of NaN values)."""
    rtype, result = data.get("resultType"), data.get("result")
    if rtype in ("scalar", "string"):
        return 1, 1 if rtype == "scalar" and math.isnan(float(result[1])) else 0
    nans = 0
    for series in result:
        values = [series["value"]] if "value" in series else series.get("values", [])
        if values and all(math.isnan(float(v[1])) for v in values):
            nans += 1
    return len(result), nans


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prometheus", required=True, help="base URL, e.g. http://127.0.0.1:9090")
    ap.add_argument("--dashboard", default=DEFAULT_DASHBOARD)
    ap.add_argument("--rate-interval", default="1m",
                    help="value for $__rate_interval and $__interval (default 1m)")
    ap.add_argument("--strict", action="store_true",
                    help="every query must return data (ignore the MAY_BE_EMPTY allow-list)")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, seconds")
    args = ap.parse_args()

    with open(args.dashboard, encoding="utf-8") as f:
        dashboard = json.load(f)

    template_vars = {v["name"] for v in (dashboard.get("templating") or {}).get("list") or []
                     if "name" in v}
    builtins = dict(BUILTINS)
    builtins["__rate_interval"] = builtins["__interval"] = args.rate_interval

    queries = list(walk_panels(dashboard.get("panels"))) + list(variable_queries(dashboard))
    if not queries:
        print(f"FAIL: no PromQL expressions found in {args.dashboard}")
        return 1

    unused_allow = set(MAY_BE_EMPTY) - {q.raw for q in queries}
    failures, with_data, allowed_empty = 0, 0, 0
    for q in queries:
        if q.error is None:
            q.promql, unknown = substitute(q.raw, template_vars, builtins)
            if unknown:
                q.error = f"unknown variable(s) {', '.join(sorted(set(unknown)))}"
        if q.error is None:
            data, q.error = run_query(args.prometheus, q.promql, args.timeout)
        if q.error is not None:
            failures += 1
            print(f"FAIL  {q.where}: {q.error}\n      {q.promql or q.raw}")
            continue
        n, nans = count_series(data)
        if n:
            with_data += 1
            note = f" ({nans} NaN)" if nans else ""
            print(f"ok    {q.where}: {n} series{note}")
        elif q.raw in MAY_BE_EMPTY and not args.strict:
            allowed_empty += 1
            print(f"empty {q.where}: allowed, {MAY_BE_EMPTY[q.raw]}")
        else:
            failures += 1
            print(f"FAIL  {q.where}: no data\n      {q.promql}")

    for raw in sorted(unused_allow):
        failures += 1
        print(f"FAIL  MAY_BE_EMPTY entry matches no dashboard query (stale?): {raw}")

    print(f"{len(queries)} queries: {with_data} returned data, {allowed_empty} allowed empty, "
          f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
