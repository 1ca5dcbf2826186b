#!/usr/bin/env python3
"""Where a clustering of the ECB+ development set goes wrong, by topic.

For each topic (the number before the "_" of a gold story: its two
events), the predicted stories holding its articles, with how many of
each gold event they hold, then the articles of the minority event of
each mixed story (wrongly merged) and of each story that holds a minority
of its event (split off), with the start of their text.

usage: errors.py DATA_DIR PRED.tsv [--topic N] [--chars N]"""
import argparse, collections, json, os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("pred")
    ap.add_argument("--topic")
    ap.add_argument("--chars", type=int, default=160)
    o = ap.parse_args()
    text = {}
    with open(os.path.join(o.data, "articles.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                a = json.loads(line)
                text[a["id"]] = a["text"]
    gold = {}
    with open(os.path.join(o.data, "gold.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            k, v = line.rstrip("\n").split("\t")
            gold[k] = v
    pred = {}
    with open(o.pred, encoding="utf-8") as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t")
            pred[k] = v
    topics = collections.defaultdict(list)
    for k, g in gold.items():
        topics[g.split("_")[0]].append(k)
    for t in sorted(topics, key=int):
        if o.topic and t != o.topic:
            continue
        ks = topics[t]
        by_pred = collections.defaultdict(collections.Counter)
        for k in ks:
            by_pred[pred[k]][gold[k]] += 1
        events = collections.Counter(gold[k] for k in ks)
        clean = all(len(c) == 1 for c in by_pred.values()) and len(by_pred) == len(events)
        outside = [k for k in ks if any(gold[j].split("_")[0] != t for j in pred if pred[j] == pred[k])]
        print("topic %s: %s -> %d stories%s%s" % (t, dict(events), len(by_pred), "" if clean else " *",
              " (+other topics)" if outside else ""))
        if clean:
            continue
        # The main story of each event: the one holding most of it.
        main = {e: max(by_pred, key=lambda p: by_pred[p][e]) for e in events}
        for p, c in sorted(by_pred.items(), key=lambda x: -sum(x[1].values())):
            print("   story %s: %s%s" % (p, dict(c), " main of " + ",".join(e for e in main if main[e] == p) if p in main.values() else ""))
        for k in sorted(ks):
            e, p = gold[k], pred[k]
            if main[e] == p:
                continue
            why = "merged into the other event" if p in main.values() else "split off"
            head = " | ".join(l.strip() for l in text[k].splitlines()[:2])[:o.chars]
            print("     %-14s %-10s %s (%d words): %s" % (k, e, why, len(text[k].split()), head))


if __name__ == "__main__":
    main()
