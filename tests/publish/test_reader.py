"""A feed reader's view (python3-feedparser): when a new outlet joins a
story, feed.atom shows the same entry, with a later updated and the new
source, not a new entry. Also: every feed chorus writes parses cleanly
(no bozo), and feed.json lists the same stories as feed.atom.

Run with /usr/bin/python3 (Debian's python3-feedparser); CHORUS as for the
e2e tests.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import feedparser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feedcheck  # noqa: E402
import newsgen  # noqa: E402

CHORUS = os.environ["CHORUS"]
BASE = "https://desk.example.net/news/"
T0 = 1763542800  # 2025-11-19T09:00:00Z


def build(site):
    r = subprocess.run([CHORUS, "-C", site, "build"], capture_output=True,
                       text=True)
    assert r.returncode == 0, f"build failed: {r.stderr}"
    assert "relative" not in r.stderr, f"link is set: {r.stderr}"


def parse(path):
    f = feedparser.parse(path)
    assert not f.bozo, f"{path}: feedparser: {f.get('bozo_exception')}"
    return f


def main():
    tmp = tempfile.mkdtemp(prefix="chorus-reader-")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp)
    print("reader: ok")


def run(tmp):
    site = os.path.join(tmp, "site")
    seeds = os.path.join(site, "seeds")
    feed = os.path.join(site, "public", "feed.atom")
    os.makedirs(seeds)
    with open(os.path.join(site, "chorus.ini"), "w") as f:
        f.write(f"[site]\ntitle = Reader Desk\nlink = {BASE}\n"
                "language = en-GB\nauthor = Desk Editors\n")
    newsgen.write(seeds, "a1", newsgen.article(1, 0, "Axios", T0))
    newsgen.write(seeds, "b1", newsgen.article(2, 0, "Reuters", T0 + 600))
    build(site)
    before = parse(feed)
    assert before.feed.title == "Reader Desk"
    assert before.feed.language == "en-GB", before.feed.get("language")
    assert len(before.entries) == 2, len(before.entries)
    by_id = {e.id: e for e in before.entries}
    story = next(e for e in before.entries
                 if newsgen.vocab(1)[2].capitalize() in e.title)
    assert [l.title for l in story.links if l.rel == "related"] == ["Axios"]
    assert story.published == story.updated

    # Le Monde joins story 1, two hours later.
    newsgen.write(seeds, "a2", newsgen.article(1, 1, "Le Monde", T0 + 7200))
    build(site)
    after = parse(feed)
    assert len(after.entries) == 2, "a joining outlet made a new entry"
    assert {e.id for e in after.entries} == set(by_id), "entry ids changed"
    joined = next(e for e in after.entries if e.id == story.id)
    assert after.entries[0].id == story.id, "the updated story is not first"
    assert joined.updated_parsed > story.updated_parsed, \
        f"updated did not move: {story.updated} -> {joined.updated}"
    assert joined.published == story.published, "published moved"
    assert [l.title for l in joined.links if l.rel == "related"] == \
        ["Axios", "Le Monde"]
    assert "Le Monde" in joined.content[0].value
    assert joined.content[0].type == "text/html"
    assert joined.summary_detail.type == "text/plain"
    other = next(e for e in after.entries if e.id != story.id)
    assert other.updated == by_id[other.id].updated, "the other story moved"
    assert [t.term for t in joined.tags], "no categories"
    assert after.feed.updated == joined.updated, "feed updated is not newest"

    # Every other feed parses cleanly; per-outlet feeds hold their stories.
    public = os.path.join(site, "public")
    lemonde = parse(os.path.join(public, "sources", "le-monde.atom"))
    assert [e.id for e in lemonde.entries] == [story.id]
    assert lemonde.feed.links[0].href == BASE + "sources/le-monde.atom" or \
        any(l.rel == "self" and l.href == BASE + "sources/le-monde.atom"
            for l in lemonde.feed.links)
    reuters = parse(os.path.join(public, "sources", "reuters.atom"))
    assert [e.id for e in reuters.entries] == [other.id]
    docs = [feedcheck.check_atom(os.path.join(public, "sources", n),
                                 BASE + "sources/" + n, BASE)
            for n in sorted(os.listdir(os.path.join(public, "sources")))
            if n.endswith(".atom")]
    assert len(docs) == 3, len(docs)
    feedcheck.check_jsonfeed(os.path.join(public, "feed.json"), BASE,
                             [e.id for e in after.entries])


if __name__ == "__main__":
    main()
