#!/usr/bin/env python3
"""Clustering quality on the ECB+ development set (../shared/eval/ecbplus-dev).

Each article becomes a plain-text article in a temporary site (a Date one
minute after the previous one, so the feed order is the clustering order;
Source from the URL's host; Link when known) and is fed to `chorus build`
in a fixed order: one article per build with --builds 0, else in that many
equal builds. `chorus stories --tsv` gives the clustering, which
../shared/eval/cluster_score.py scores against gold.tsv. A last build with
no new article must change no story id.

usage: ecbplus.py --chorus BIN [--data DIR] [--order fixed|shuffled|both]
                  [--builds N] [--min-pairwise F] [--min-bcubed F]
                  [--max-order-delta F]
Exit status 0 when every given minimum holds."""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from datetime import datetime, timezone
from urllib.parse import urlparse

HERE = os.path.dirname(os.path.abspath(__file__))


def load(data):
    with open(os.path.join(data, "articles.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def article_text(a, when):
    host = urlparse(a["url"]).netloc if a.get("url") else ""
    head = ["Date: " + datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Source: " + (host[4:] if host.startswith("www.") else host or "ECB+")]
    if a.get("url"):
        head.append("Link: " + a["url"])
    return "\n".join(head) + "\n\n" + a["text"].strip() + "\n"


def shuffle(v, seed):
    """Fisher-Yates with a 64-bit LCG: the same order as tune.c's."""
    x = seed
    for i in range(len(v) - 1, 0, -1):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        j = (x >> 33) % (i + 1)
        v[i], v[j] = v[j], v[i]


def run(chorus, site, *args):
    r = subprocess.run([chorus, "-q", "-C", site] + list(args), capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit("chorus %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return r.stdout


def score(data, pred_path):
    scorer = os.path.join(data, "..", "cluster_score.py")
    out = subprocess.run([sys.executable, scorer, os.path.join(data, "gold.tsv"), pred_path],
                         capture_output=True, text=True, check=True).stdout
    pw = float(re.search(r"pairwise .*F1 ([0-9.]+)", out).group(1))
    bc = float(re.search(r"B-cubed .*F1 ([0-9.]+)", out).group(1))
    return out, pw, bc


def cluster(chorus, data, articles, order_name, builds, keep):
    order = list(range(len(articles)))
    if order_name == "shuffled":
        shuffle(order, 20251119)
    tmp = tempfile.mkdtemp(prefix="chorus-ecb-")
    site = os.path.join(tmp, "site")
    os.makedirs(os.path.join(site, "seeds"))
    base = 1577836800  # 2020-01-01: ECB+ has no dates; one minute apart
    batches = len(order) if builds == 0 else builds
    t0 = time.time()
    for b in range(batches):
        lo, hi = b * len(order) // batches, (b + 1) * len(order) // batches
        for rank in range(lo, hi):
            a = articles[order[rank]]
            with open(os.path.join(site, "seeds", a["id"] + ".txt"), "w", encoding="utf-8") as f:
                f.write(article_text(a, base + 60 * rank))
        run(chorus, site, "build")
    secs = time.time() - t0
    tsv = run(chorus, site, "stories", "--tsv")
    run(chorus, site, "build")
    stable = run(chorus, site, "stories", "--tsv") == tsv
    pred = os.path.join(tmp, "pred.tsv")
    with open(pred, "w", encoding="utf-8") as f:
        f.write(tsv)
    out, pw, bc = score(data, pred)
    if keep:
        shutil.copy(pred, keep + "." + order_name + ".tsv")
    shutil.rmtree(tmp)
    print("order %s, %s: %.1f s" % (order_name,
          "one article per build" if builds == 0 else "%d builds" % builds, secs))
    print(out.rstrip())
    print("re-run without new articles keeps every story id: %s" % ("yes" if stable else "NO"))
    return pw, bc, stable


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chorus", required=True)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "eval", "ecbplus-dev"))
    ap.add_argument("--order", default="both", choices=["fixed", "shuffled", "both"])
    ap.add_argument("--builds", type=int, default=0)
    ap.add_argument("--min-pairwise", type=float)
    ap.add_argument("--min-bcubed", type=float)
    ap.add_argument("--max-order-delta", type=float)
    ap.add_argument("--keep", help="save predictions as KEEP.ORDER.tsv")
    o = ap.parse_args()
    if not os.path.exists(os.path.join(o.data, "articles.jsonl")):
        print("ECB+ data not found at %s: skipped" % o.data)
        return 77
    articles = load(o.data)
    orders = ["fixed", "shuffled"] if o.order == "both" else [o.order]
    res = {name: cluster(o.chorus, o.data, articles, name, o.builds, o.keep) for name in orders}
    ok = all(stable for _, _, stable in res.values())
    for name, (pw, bc, _) in res.items():
        if o.min_pairwise is not None and pw < o.min_pairwise:
            print("FAIL: %s order: pairwise F1 %.4f < %.2f" % (name, pw, o.min_pairwise)); ok = False
        if o.min_bcubed is not None and bc < o.min_bcubed:
            print("FAIL: %s order: B-cubed F1 %.4f < %.2f" % (name, bc, o.min_bcubed)); ok = False
    if len(res) == 2:
        delta = abs(res["fixed"][0] - res["shuffled"][0])
        print("order sensitivity: pairwise F1 differs by %.4f" % delta)
        if o.max_order_delta is not None and delta > o.max_order_delta:
            print("FAIL: order sensitivity %.4f > %.2f" % (delta, o.max_order_delta)); ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
