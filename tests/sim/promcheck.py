#!/usr/bin/env python3
"""promcheck: read smd's metrics with Prometheus' own Python parser
(python3-prometheus-client) for tests/sim/t_metrics.sh.

  promcheck.py parse FILE        check it all parses and follows the naming
                                 rules; print one sample a line:
                                 name{label="v",...} value (labels sorted)
  promcheck.py families FILE     the family names as exposed (a counter's
                                 with _total), one a line, sorted
  promcheck.py get FILE NAME [LABEL=VALUE...]
                                 the value of that one sample (exit 1: none)
  promcheck.py grow OLD NEW      every counter sample of OLD (histogram
                                 buckets, sums and counts included) is in NEW
                                 with a value no smaller; violations printed
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def read(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.endswith("\n"):
        raise ValueError("the text does not end with a newline")
    return text


def families(path):
    return list(text_string_to_metric_families(read(path)))


def raw_names(text):
    """The names as written: the parser adds _total to counter samples."""
    errs = []
    for line in text.splitlines():
        w = line.split()
        if len(w) >= 4 and w[:2] == ["#", "TYPE"] and w[3] == "counter" \
                and not w[2].endswith("_total"):
            errs.append("counter %s does not end in _total" % w[2])
        if line and not line.startswith("#") and not line.startswith("smd_"):
            errs.append("sample without the smd_ prefix: %s" % line)
    return errs


def key(s):
    labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
    return "%s{%s}" % (s.name, labels) if labels else s.name


def check(fams):
    """Prometheus' naming rules as smd follows them."""
    errs = []
    seen = set()
    for f in fams:
        if f.name in seen:
            errs.append("family %s appears twice" % f.name)
        seen.add(f.name)
        if not f.name.startswith("smd_"):
            errs.append("%s: no smd_ prefix" % f.name)
        if f.type not in ("counter", "gauge", "histogram"):
            errs.append("%s: type %s (no TYPE line?)" % (f.name, f.type))
        if not f.documentation:
            errs.append("%s: no HELP" % f.name)
        if f.type == "histogram" and not f.name.endswith("_seconds"):
            errs.append("histogram %s is not in seconds" % f.name)
    return errs


def counters(fams):
    out = {}
    for f in fams:
        if f.type in ("counter", "histogram"):
            for s in f.samples:
                out[key(s)] = s.value
    return out


def main(argv):
    cmd = argv[1]
    if cmd == "parse":
        fams = families(argv[2])
        errs = check(fams) + raw_names(read(argv[2]))
        for e in errs:
            print("error: " + e, file=sys.stderr)
        for f in fams:
            for s in f.samples:
                print("%s %r" % (key(s), s.value))
        return 1 if errs else 0
    if cmd == "families":
        # as exposed: the parser drops a counter's _total from its family
        for name in sorted(f.name + ("_total" if f.type == "counter" else "")
                           for f in families(argv[2])):
            print(name)
        return 0
    if cmd == "get":
        want = dict(a.split("=", 1) for a in argv[4:])
        for f in families(argv[2]):
            for s in f.samples:
                if s.name == argv[3] and s.labels == want:
                    v = s.value
                    print(int(v) if v == int(v) else v)
                    return 0
        return 1
    if cmd == "grow":
        old, new = counters(families(argv[2])), counters(families(argv[3]))
        bad = 0
        for k, v in sorted(old.items()):
            if k not in new:
                print("# gone: %s (was %r)" % (k, v))
                bad += 1
            elif new[k] < v:
                print("# went down: %s %r -> %r" % (k, v, new[k]))
                bad += 1
        print("# %d counter samples compared, %d grew, %d went down or away"
              % (len(old), sum(1 for k, v in old.items() if new.get(k, v) > v), bad))
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ValueError, KeyError, IndexError, OSError) as e:
        print("promcheck: %s" % e, file=sys.stderr)
        sys.exit(1)
