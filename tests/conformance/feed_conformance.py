#!/usr/bin/python3
"""Feed conformance: chorus's feed reader against Python feedparser.

Runs every file under shared/conformance/feedparser/{wellformed,illformed,
encoding,entities,json} through the library (feed_dump, one process) and,
for each file whose Expect: line speaks of a field chorus reports (title,
link, id, dates, author, summary/content text, categories, enclosures,
language), compares those fields with what feedparser returned
(reference-output/). Text is compared as text: HTML on either side is
reduced to its characters, white space folded, since chorus reports
sanitised HTML and feedparser keeps its own markup. `bozo` in the Expect
line is checked against chorus's errors (date errors aside, which
feedparser does not count).

Prints one line per failure, then `N passed, N failed, N skipped`. Exits 1
when a failure is not listed in the expected-failures file (each listed
with its reason), or when fewer than 97% of the cases pass.
"""
import argparse
import html
import html.parser
import json
import os
import re
import subprocess
import sys

CATEGORIES = ("wellformed", "illformed", "encoding", "entities", "json")
HTTP_BASE = "http://127.0.0.1:8097/"

# feedparser keys (and aliases) that map onto what chorus reports.
FEED_KEYS = {"title", "title_detail", "link", "id", "guid", "updated",
             "updated_parsed", "modified", "modified_parsed", "language",
             "author", "date", "date_parsed"}
ENTRY_KEYS = {"title", "title_detail", "link", "id", "guid", "published",
              "published_parsed", "issued", "issued_parsed", "updated",
              "updated_parsed", "modified", "modified_parsed", "date",
              "date_parsed", "author", "summary", "summary_detail",
              "description", "content", "tags", "category", "enclosures"}
DETAIL_OK = {"value"}


class Text(html.parser.HTMLParser):
    """HTML to folded text, dropping what no reader sees."""
    SKIP = {"script", "style", "noscript", "template", "head", "title"}
    BLOCK = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2",
             "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr",
             "section", "article", "header", "footer", "aside", "figure",
             "figcaption", "hr", "address", "nav", "main", "body", "br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.out.append(" ")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def fold(s):
    return " ".join(s.split())


def html_text(s):
    p = Text()
    p.feed(s)
    p.close()
    return fold("".join(p.out))


def is_html(detail):
    t = (detail or {}).get("type") or "text/plain"
    return "html" in t


def referenced(expect):
    """(feed keys, entry keys, other names) the Expect expression uses."""
    feed, entry, other = set(), set(), set()
    for m in re.finditer(r"\bfeed(?:\[\s*'([\w:-]+)'\s*\]|\.([a-z_]\w*)|"
                         r"\.get\(\s*'([\w:-]+)')", expect):
        feed.add(m.group(1) or m.group(2) or m.group(3))
    for m in re.finditer(r"\bentries\[\d+\](?:\[\s*'([\w:-]+)'\s*\]|"
                         r"\.([a-z_]\w*)|\.get\(\s*'([\w:-]+)')", expect):
        entry.add(m.group(1) or m.group(2) or m.group(3))
    # Sub-keys of details and lists must be ones chorus reports too.
    for m in re.finditer(r"_detail'?\]?\s*\[\s*'(\w+)'\s*\]|"
                         r"_detail\.(\w+)", expect):
        k = m.group(1) or m.group(2)
        if k not in DETAIL_OK:
            other.add("detail:" + k)
    for m in re.finditer(r"content'?\]?\s*\[\s*\d+\s*\]\s*\[\s*'(\w+)'", expect):
        if m.group(1) != "value":
            other.add("content:" + m.group(1))
    for m in re.finditer(r"tags'?\]?\s*\[\s*\d+\s*\]\s*\[\s*'(\w+)'", expect):
        if m.group(1) != "term":
            other.add("tags:" + m.group(1))
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", expect)
    for name in ("encoding", "version", "headers", "namespaces", "etag",
                 "status", "href", "bozo_exception"):
        if re.search(r"\b%s\b" % name, bare):
            other.add(name)
    if "get" in feed:
        feed.discard("get")
    return feed, entry, other


def speaks_of_ours(expect):
    feed, entry, other = referenced(expect)
    if other:
        return False
    if not feed and not entry:
        # Only bozo (or nothing): a statement about errors.
        return bool(re.search(r"\bbozo\b", expect))
    return feed <= FEED_KEYS and entry <= ENTRY_KEYS


def entry_indexes(expect):
    return sorted({int(i) for i in re.findall(r"entries\[(\d+)\]", expect)})


CANON = {"guid": "id", "description": "summary", "summary_detail": "summary",
         "title_detail": "title", "issued": "published",
         "issued_parsed": "published", "published_parsed": "published",
         "modified": "updated", "modified_parsed": "updated",
         "updated_parsed": "updated", "date": "updated",
         "date_parsed": "updated", "category": "tags"}


def canon(keys):
    return {CANON.get(k, k) for k in keys}


def ref_date(d, key):
    v = d.get(key + "_parsed")
    if v is None and key == "updated":
        v = d.get("published_parsed")
    return v


def ref_text(d, key):
    if key == "content":
        c = d.get("content")
        if not c:
            return None
        v, det = c[0].get("value"), c[0]
    else:
        v, det = d.get(key), d.get(key + "_detail")
        if det is None and key == "summary" and d.get("content"):
            det = d["content"][0]  # the summary feedparser copied
    if v is None:
        return None
    return html_text(v) if is_html(det) else fold(v)


def compare(key, ref, ours, level):
    """None when equal, else a short reason."""
    if key in ("title", "summary", "content"):
        want = ref_text(ref, key)
        got = ours.get(key)
        if key == "summary" and got is None:
            # feedparser fills a missing summary from the content
            got = ours.get("content")
        if got is not None:
            got = fold(got) if key == "title" else html_text(got)
        if want == "" and got is None:
            return None
        if level == "feed" and key == "summary":
            return None
    elif key in ("published", "updated"):
        want = ref_date(ref, key)
        got = ours.get(key)
        if key == "updated" and got is None:
            got = ours.get("published")
    elif key == "tags":
        want = [t.get("term") for t in ref.get("tags", []) if t.get("term")]
        got = ours.get("categories", [])
        if want == [] and got == []:
            return None
    elif key == "enclosures":
        want = [(l.get("href"), l.get("type"), l.get("length"))
                for l in ref.get("links", []) if l.get("rel") == "enclosure"]
        got = [(e.get("url"), e.get("type"),
                str(e["length"]) if "length" in e else None)
               for e in ours.get("enclosures", [])]
        # feedparser keeps an empty length or type as given
        want = [(h, t or None, l or None) for h, t, l in want]
    else:
        want = ref.get(key)
        got = ours.get(key)
        if isinstance(want, str):
            want = want.strip() or None
    if want == got:
        return None
    return "%s: want %r, got %r" % (key, want, got)


def non_date_errors(feed):
    return [e for e in feed.get("errors", [])
            if not e.get("message", "").startswith("date:")]


class D(dict):
    """feedparser's dict: keys readable as attributes too."""
    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError:
            raise AttributeError(k)


def fp_view(ours):
    """chorus's output shaped as feedparser's result, for Expect lines."""
    feed = D((k, ours[k]) for k in ("title", "link", "id", "language",
                                    "author", "updated") if k in ours)
    entries = []
    for e in ours.get("entries", []):
        d = D((k, e[k]) for k in ("id", "title", "link", "author",
                                  "published", "updated") if k in e)
        if "id" in e:
            d["guid"] = e["id"]
        if "summary" in e:
            d["summary"] = d["description"] = html_text(e["summary"])
        if "content" in e:
            d["content"] = [D(value=html_text(e["content"]))]
        d["tags"] = [D(term=t) for t in e.get("categories", [])]
        d["enclosures"] = [D(href=x.get("url"), url=x.get("url"),
                             type=x.get("type"), length=str(x.get("length")))
                           for x in e.get("enclosures", [])]
        entries.append(d)
    return {"feed": feed, "entries": entries,
            "bozo": bool(non_date_errors(ours))}


def check(m, ref, res):
    expect = m["expect"] or ""
    if res["rc"] != 0:
        if re.fullmatch(r"\s*bozo\s*", expect):
            return None
        return "not read: " + res["error"]
    ours = res["feed"]
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", expect)
    errs = non_date_errors(ours)
    if re.search(r"\bnot\s+bozo\b", bare):
        if errs:
            return "errors reported: " + errs[0]["message"]
    elif re.search(r"\bbozo\b", bare) and not errs:
        return "no error reported for an ill-formed feed"
    if not ref.get("passed"):
        # feedparser fails its own test here: the Expect line is the
        # oracle, read against chorus's output.
        try:
            ok = eval(expect, {}, fp_view(ours))
        except Exception as e:  # a missing key is a failure
            return "Expect raised %s: %s" % (type(e).__name__, e)
        return None if ok else "Expect line is false"
    feed_keys, entry_keys, _ = referenced(expect)
    r = ref["result"] or {}
    if not r:
        return "feedparser gave no result"
    for k in sorted(canon(feed_keys)):
        why = compare(k, r.get("feed", {}), ours, "feed")
        if why:
            return "feed " + why
    for i in entry_indexes(expect):
        re_ = r.get("entries", [])
        oe = ours.get("entries", [])
        if i >= len(re_) and i >= len(oe):
            continue
        if i >= len(re_) or i >= len(oe):
            return "entry %d: feedparser has %d entries, chorus %d" % (
                i, len(re_), len(oe))
        for k in sorted(canon(entry_keys)):
            why = compare(k, re_[i], oe[i], "entry")
            if why:
                return "entry %d %s" % (i, why)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--expected", help="expected failures: PATH<TAB>reason")
    ap.add_argument("--min-rate", type=float, default=0.97)
    ap.add_argument("--list", action="store_true", help="print every case")
    ap.add_argument("--hostile", type=int, metavar="N",
                    help="instead: cut every file at N points, push it in "
                    "uneven slices, and check nothing breaks")
    a = ap.parse_args()

    root = os.path.join(a.shared, "conformance", "feedparser")
    if not os.path.exists(os.path.join(root, "manifest.jsonl")):
        print("no conformance suite at %s: skipped" % root)
        return 77
    if a.hostile:
        files = []
        for cat in CATEGORIES:
            for d, _, names in os.walk(os.path.join(root, cat)):
                files += [os.path.join(d, n) for n in sorted(names)]
        r = subprocess.run([a.driver, "--hostile", str(a.hostile)],
                           input="\n".join(files) + "\n", text=True)
        return r.returncode
    manifest = [json.loads(l) for l in open(os.path.join(root, "manifest.jsonl"))]
    manifest = [m for m in manifest if m["path"].split("/")[0] in CATEGORIES]
    expected = {}
    if a.expected:
        for line in open(a.expected, encoding="utf-8"):
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                path, _, reason = line.partition("\t")
                expected[path] = reason

    lines = []
    for m in manifest:
        ctype = ""
        for k, v in (m.get("headers") or {}).items():
            if k.lower() == "content-type":
                ctype = v
        base = HTTP_BASE + m["path"] if m.get("http") else ""
        for k, v in (m.get("headers") or {}).items():
            if k.lower() == "content-location":
                base = v if "://" in v else HTTP_BASE.rstrip("/") + v
        lines.append("%s\t%s\t%s" % (os.path.join(root, m["path"]), ctype, base))
    out = subprocess.run([a.driver], input="\n".join(lines) + "\n",
                         capture_output=True, text=True, check=True).stdout
    results = {}
    for l in out.splitlines():
        r = json.loads(l)
        results[os.path.relpath(r["path"], root)] = r

    passed = failed = skipped = 0
    unexpected = []
    for m in manifest:
        path = m["path"]
        if not speaks_of_ours(m["expect"] or ""):
            skipped += 1
            continue
        refp = os.path.join(root, "reference-output", path + ".json")
        if not os.path.exists(refp):
            skipped += 1  # feedparser itself gave no output to compare
            continue
        ref = json.load(open(refp, encoding="utf-8"))
        why = check(m, ref, results[path])
        if why is None:
            passed += 1
            if a.list:
                print("ok   %s" % path)
            continue
        failed += 1
        listed = path in expected
        print("%s %s: %s%s" % ("FAIL" if not listed else "fail", path, why,
                               "  [known: %s]" % expected[path] if listed else ""))
        if not listed:
            unexpected.append(path)
    total = passed + failed
    rate = passed / total if total else 0
    print("pass rate %.2f%% of %d cases that speak of chorus's fields" %
          (100 * rate, total))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if unexpected:
        print("%d failures are not in the expected-failures list" %
              len(unexpected))
    return 0 if rate >= a.min_rate and not unexpected else 1


if __name__ == "__main__":
    sys.exit(main())
