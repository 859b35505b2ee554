#!/usr/bin/python3
"""Parses each file named on the command line with prometheus_client's
OpenMetrics parser (Debian python3-prometheus-client), an implementation
independent of ours, and checks no series appears twice. Exit 1 on failure."""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def check(path):
    # newline="": OpenMetrics lines end at LF only, and a label value may hold
    # a raw CR, which universal-newline reading would turn into a line break.
    with open(path, encoding="utf-8", errors="strict", newline="") as f:
        text = f.read()
    seen = set()
    families = 0
    for family in text_string_to_metric_families(text):
        families += 1
        if family.unit:
            print("unit %s %s" % (family.name, family.unit))
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            if key in seen:
                raise ValueError("duplicate series: %r" % (key,))
            seen.add(key)
    return families


def main():
    failed = 0
    for path in sys.argv[1:]:
        try:
            n = check(path)
            print("%s: %d families" % (path, n))
        except Exception as e:  # noqa: BLE001 - report every kind of refusal
            print("%s: REFUSED: %s" % (path, e))
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
