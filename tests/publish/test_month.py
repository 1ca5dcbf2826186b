"""A month and a half of daily refreshes of one site, checking the archived
feed (RFC 5005) after every build.

Two new stories a day, reports joining stories a few days old, and on some
days a report joining a story already in the archive. feed_size is 3, so
stories scroll into archive pages within two days and pages close once
their stories have settled (21 days without news). After each build:

- every Atom document validates against atom.rng and passes the checks the
  schema cannot make (feedcheck.py);
- no entry id appears twice across feed.atom and its archives;
- no story is lost: every id ever published is still reachable from
  feed.atom through prev-archive, and the number reachable equals the
  number of story pages;
- a closed archive page (as recorded in the state) stays byte-identical
  from the build that closed it on;
- a story that gets a new report while in an open archive page moves back
  to feed.atom with its same id and a later updated.

At the end a report dated far in the past joins a story of a closed page:
the page stays as it was and the story's id still appears once.

Run with /usr/bin/python3; CHORUS, CHORUS_SHARED as for the e2e tests.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feedcheck  # noqa: E402
import newsgen  # noqa: E402

CHORUS = os.environ["CHORUS"]
SHARED = os.environ.get("CHORUS_SHARED",
                        os.path.join(os.path.dirname(__file__), "../../../shared"))
RNG = os.path.join(SHARED, "conformance/atom/atom.rng")
BASE = "https://news.example.org/"
START = 1761955200  # 2025-11-01T00:00:00Z
DAYS = 45
OUTLETS = ["Axios", "Reuters", "The Independent", "Le Monde", "NHK", "Kyiv Post"]


def build(site):
    r = subprocess.run([CHORUS, "-q", "-C", site, "build"],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"build failed ({r.returncode}): {r.stderr}"


def closed_pages(site):
    db = sqlite3.connect(os.path.join(site, ".chorus/state.db"))
    try:
        return {page: bytes(body) for page, body in
                db.execute("SELECT page, body FROM archive_pages")}
    finally:
        db.close()


def main():
    tmp = tempfile.mkdtemp(prefix="chorus-month-")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp)
    print("month: ok")


def run(tmp):
    site = os.path.join(tmp, "site")
    seeds = os.path.join(site, "seeds")
    public = os.path.join(site, "public")
    os.makedirs(seeds)
    with open(os.path.join(site, "chorus.ini"), "w") as f:
        f.write(f"[site]\ntitle = Month Desk\nlink = {BASE}\n"
                "author = The Month Desk\nfeed_size = 3\n")
    ever = set()           # every entry id ever published
    frozen = {}            # closed page -> its bytes when it closed
    founded = {}           # story number -> day founded
    story_id = {}          # story number -> entry id, once seen
    moved_back = 0
    checks = 0
    story = 0
    for day in range(DAYS):
        t0 = START + day * 86400 + 6 * 3600
        joins = []
        for k in range(2):
            founded[story] = day
            newsgen.write(seeds, f"s{story:03d}-0",
                          newsgen.article(story, 0, OUTLETS[story % 6],
                                          t0 + 600 * k))
            story += 1
        if day >= 3:
            # A second outlet on a story three days old (still live).
            s = 2 * (day - 3)
            joins.append((s, 1, 3600))
        if day in (12, 20, 30, 36):
            # A report on a story ten days old: in an open archive page.
            joins.append((2 * (day - 10) + 1, 2, 7200))
        before = {}
        if os.path.exists(os.path.join(public, "feed.atom")):
            docs = feedcheck.archive_chain(public, BASE)
            for d in docs:
                for i in d.ids:
                    before[i] = (d is docs[0], d.updated[i])
        for s, variant, dt_ in joins:
            newsgen.write(seeds, f"s{s:03d}-{variant}",
                          newsgen.article(s, variant,
                                          OUTLETS[(s + variant) % 6],
                                          t0 + dt_))
        build(site)

        docs = feedcheck.archive_chain(public, BASE)
        atom_files = [os.path.join(public, "feed.atom")]
        atom_files += [os.path.join(public, "archive", n)
                       for n in os.listdir(os.path.join(public, "archive"))] \
            if os.path.isdir(os.path.join(public, "archive")) else []
        feedcheck.validate_rng(atom_files, RNG)
        assert len(atom_files) == len(docs), \
            f"day {day}: {len(atom_files)} Atom files, {len(docs)} in the chain"
        where = {}
        for d in docs:
            for i in d.ids:
                assert i not in where, \
                    f"day {day}: {i} in {where[i]} and {d.path}"
                where[i] = d.path
        lost = ever - set(where)
        assert not lost, f"day {day}: stories lost: {sorted(lost)}"
        ever |= set(where)
        n_pages = len(os.listdir(os.path.join(public, "stories")))
        assert len(where) == n_pages, \
            f"day {day}: {len(where)} entries reachable, {n_pages} stories"
        assert len(docs[0].ids) == min(3, len(where)), \
            f"day {day}: feed.atom holds {len(docs[0].ids)} entries"

        # Closed pages never change from the build that closed them.
        closed = closed_pages(site)
        assert set(frozen) <= set(closed), f"day {day}: a closed page reopened"
        for page, body in closed.items():
            path = os.path.join(public, "archive", f"{page}.atom")
            with open(path, "rb") as f:
                now = f.read()
            assert now == body, f"day {day}: {path} differs from its stored bytes"
            if page in frozen:
                assert now == frozen[page], f"day {day}: closed {path} changed"
            frozen.setdefault(page, now)
            checks += 1

        # A story that got a new report is in feed.atom, same id, later.
        current = set(docs[0].ids)
        for s, variant, _ in joins:
            title_words = newsgen.vocab(s)
            matches = [i for d in docs for e, i in zip(d.entries, d.ids)
                       if title_words[2].capitalize() in
                       e.findtext(feedcheck.A + "title")]
            assert len(matches) == 1, f"day {day}: story {s} found {matches}"
            sid = matches[0]
            story_id[s] = sid
            assert sid in current, f"day {day}: updated story {s} not in feed.atom"
            if sid in before:
                was_current, was_updated = before[sid]
                assert docs[0].updated[sid] > was_updated, \
                    f"day {day}: story {s} updated did not move"
                moved_back += not was_current
    assert len(frozen) >= 5, f"only {len(frozen)} archive pages closed"
    assert moved_back >= 3, f"only {moved_back} stories moved back from archives"

    # A late report, dated 30 days ago, on a story of a closed page.
    page = min(frozen)
    first = feedcheck.AtomDoc(os.path.join(public, "archive", f"{page}.atom"))
    sid = first.ids[0]
    s = next(k for k, v in story_id.items() if v == sid) if sid in \
        story_id.values() else None
    if s is None:
        # Find the story number by its title words.
        title = first.entries[0].findtext(feedcheck.A + "title")
        s = next(k for k in founded if newsgen.vocab(k)[2].capitalize() in title)
    t_last = START + (DAYS - 1) * 86400 + 6 * 3600
    newsgen.write(seeds, f"s{s:03d}-9",
                  newsgen.article(s, 9, "Late Wire", t_last - 30 * 86400))
    build(site)
    docs = feedcheck.archive_chain(public, BASE)
    with open(os.path.join(public, "archive", f"{page}.atom"), "rb") as f:
        assert f.read() == frozen[page], "a late report changed a closed page"
    pages = [n for n in os.listdir(os.path.join(public, "stories"))
             if "Late Wire" in open(os.path.join(public, "stories", n),
                                    encoding="utf-8").read()]
    assert len(pages) == 1, f"the late report joined {pages}"
    count = sum(d.ids.count(sid) for d in docs)
    assert count == 1, f"late-joined story {sid} appears {count} times"
    print(f"{DAYS} builds, {len(ever)} stories, {len(frozen)} pages closed, "
          f"{checks} closed-page checks, {moved_back} moved back")


if __name__ == "__main__":
    main()
