"""Checks of chorus's published feeds that a schema cannot make.

Shared by the publishing tests (run with /usr/bin/python3, standard library
only here). Every check raises AssertionError with a message saying what is
wrong and where.

- Atom (RFC 4287): the self link is absolute and equal to where the file is
  published, entry ids are unique, updated >= published, every date is
  RFC 3339, the feed's updated is its newest entry's.
- RFC 5005: the archive chain from feed.atom (prev-archive), with current,
  prev-archive and next-archive links that agree with each other.
- JSON Feed 1.1: required fields, types, absolute URLs.
"""
import datetime as dt
import json
import os
import re
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET

A = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?"
    r"(Z|[+-]\d{2}:\d{2})$")


def parse_date(s, where):
    """An RFC 3339 date as an aware datetime; fails on anything else."""
    assert s is not None, f"{where}: missing date"
    assert RFC3339.match(s), f"{where}: {s!r} is not an RFC 3339 date"
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def is_absolute(url):
    u = urllib.parse.urlparse(url)
    return u.scheme in ("http", "https") and bool(u.netloc)


def links(el):
    """{rel: href} of an element's atom:link children (first of each)."""
    out = {}
    for link in el.findall(A + "link"):
        out.setdefault(link.get("rel", "alternate"), link.get("href"))
    return out


class AtomDoc:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.bytes = f.read()
        self.root = ET.fromstring(self.bytes)
        assert self.root.tag == A + "feed", f"{path}: not an Atom feed"
        self.links = links(self.root)
        self.id = self.root.findtext(A + "id")
        self.archive = self.root.find(FH + "archive") is not None
        self.entries = self.root.findall(A + "entry")
        self.ids = [e.findtext(A + "id") for e in self.entries]
        self.updated = {e.findtext(A + "id"): e.findtext(A + "updated")
                        for e in self.entries}


def check_atom(path, url, base=None):
    """The checks on one Atom document published at url."""
    d = AtomDoc(path)
    self_link = d.links.get("self")
    assert self_link, f"{path}: no self link"
    assert is_absolute(self_link), f"{path}: self link {self_link!r} is relative"
    assert self_link == url, f"{path}: self link {self_link!r}, published at {url!r}"
    assert d.root.get("{http://www.w3.org/XML/1998/namespace}lang"), \
        f"{path}: no xml:lang"
    gen = d.root.find(A + "generator")
    assert gen is not None and gen.text == "chorus" and gen.get("version"), \
        f"{path}: generator with version"
    assert d.root.find(A + "author/" + A + "name") is not None, f"{path}: author"
    for rel in ("alternate", "current", "prev-archive", "next-archive"):
        if rel in d.links:
            assert is_absolute(d.links[rel]), f"{path}: {rel} link is relative"
            if base and rel != "alternate":
                assert d.links[rel].startswith(base), f"{path}: {rel} off site"
    assert len(set(d.ids)) == len(d.ids), f"{path}: an entry id twice"
    feed_updated = parse_date(d.root.findtext(A + "updated"), f"{path}: feed")
    newest = None
    for e in d.entries:
        eid = e.findtext(A + "id")
        assert eid and eid.startswith("urn:uuid:"), f"{path}: entry id {eid!r}"
        pub = parse_date(e.findtext(A + "published"), f"{path}: {eid} published")
        upd = parse_date(e.findtext(A + "updated"), f"{path}: {eid} updated")
        assert upd >= pub, f"{path}: {eid} updated {upd} < published {pub}"
        newest = upd if newest is None or upd > newest else newest
        alt = links(e).get("alternate")
        assert alt and is_absolute(alt), f"{path}: {eid} alternate link {alt!r}"
        assert e.find(A + "summary").get("type") == "text", f"{path}: summary"
        assert e.find(A + "content").get("type") == "html", f"{path}: content"
        for rel in e.findall(A + "link"):
            assert is_absolute(rel.get("href")), f"{path}: {eid} relative link"
    if newest is not None:
        assert feed_updated == newest, \
            f"{path}: feed updated {feed_updated} is not its newest entry's {newest}"
    return d


def validate_rng(paths, rng):
    """xmllint --relaxng on each path; fails naming the invalid ones."""
    bad = []
    for p in paths:
        r = subprocess.run(["xmllint", "--noout", "--relaxng", rng, p],
                           capture_output=True, text=True)
        if r.returncode:
            bad.append(f"{p}: {r.stderr.strip()}")
    assert not bad, "schema: " + "\n".join(bad)


def local_path(public, base, url):
    assert url.startswith(base), f"{url} is not under {base}"
    return os.path.join(public, url[len(base):])


def archive_chain(public, base):
    """feed.atom then each archive reached by prev-archive, checked.

    Returns the list of AtomDoc, newest first."""
    docs = [check_atom(os.path.join(public, "feed.atom"), base + "feed.atom",
                       base)]
    assert not docs[0].archive, "feed.atom must not carry fh:archive"
    seen = {base + "feed.atom"}
    while "prev-archive" in docs[-1].links:
        url = docs[-1].links["prev-archive"]
        assert url not in seen, f"prev-archive loops at {url}"
        seen.add(url)
        d = check_atom(local_path(public, base, url), url, base)
        assert d.archive, f"{url}: no fh:archive"
        assert d.links.get("current") == base + "feed.atom", \
            f"{url}: current link {d.links.get('current')}"
        assert d.id == docs[0].id, f"{url}: feed id differs from feed.atom's"
        if len(docs) > 1:
            assert d.links.get("next-archive") == docs[-1].links["self"], \
                f"{url}: next-archive does not lead back"
        else:
            assert "next-archive" not in d.links, \
                f"{url}: the newest archive has a next-archive"
        docs.append(d)
    return docs


def check_jsonfeed(path, base, atom_ids=None):
    """JSON Feed 1.1 rules: required fields, types, absolute URLs."""
    with open(path, encoding="utf-8") as f:
        feed = json.load(f)
    where = path

    def url_field(obj, key, ctx):
        if key in obj:
            assert isinstance(obj[key], str) and is_absolute(obj[key]), \
                f"{where}: {ctx}{key} {obj[key]!r} is not an absolute URL"

    def authors(obj, ctx):
        if "authors" in obj:
            assert isinstance(obj["authors"], list) and obj["authors"], \
                f"{where}: {ctx}authors must be a non-empty array"
            for a in obj["authors"]:
                assert isinstance(a, dict), f"{where}: {ctx}author object"
                assert any(k in a for k in ("name", "url", "avatar")), \
                    f"{where}: {ctx}author needs name, url or avatar"
                for k in ("name",):
                    assert isinstance(a.get(k, ""), str), f"{where}: {ctx}{k}"
                url_field(a, "url", ctx + "author ")
                url_field(a, "avatar", ctx + "author ")
        assert "author" not in obj, f"{where}: {ctx}author is JSON Feed 1.0"

    assert feed.get("version") == "https://jsonfeed.org/version/1.1", \
        f"{where}: version {feed.get('version')!r}"
    assert isinstance(feed.get("title"), str) and feed["title"], \
        f"{where}: title is required"
    assert isinstance(feed.get("items"), list), f"{where}: items is required"
    for key in ("home_page_url", "feed_url", "next_url", "icon", "favicon"):
        url_field(feed, key, "")
    if base:
        assert feed.get("home_page_url") == base, f"{where}: home_page_url"
        assert feed.get("feed_url") == base + "feed.json", f"{where}: feed_url"
    for key in ("description", "user_comment", "language"):
        if key in feed:
            assert isinstance(feed[key], str), f"{where}: {key} must be a string"
    if "expired" in feed:
        assert isinstance(feed["expired"], bool), f"{where}: expired"
    authors(feed, "")
    ids = []
    for i, item in enumerate(feed["items"]):
        ctx = f"items[{i}] "
        assert isinstance(item, dict), f"{where}: {ctx}is not an object"
        assert isinstance(item.get("id"), str) and item["id"], \
            f"{where}: {ctx}id is required and a string"
        ids.append(item["id"])
        assert any(isinstance(item.get(k), str)
                   for k in ("content_html", "content_text")), \
            f"{where}: {ctx}needs content_html or content_text"
        for key in ("url", "external_url", "image", "banner_image"):
            url_field(item, key, ctx)
        if base:
            assert "url" in item, f"{where}: {ctx}url"
        for key in ("title", "summary", "content_html", "content_text",
                    "language"):
            if key in item:
                assert isinstance(item[key], str), f"{where}: {ctx}{key}"
        pub = mod = None
        if "date_published" in item:
            pub = parse_date(item["date_published"], f"{where}: {ctx}")
        if "date_modified" in item:
            mod = parse_date(item["date_modified"], f"{where}: {ctx}")
        if pub and mod:
            assert mod >= pub, f"{where}: {ctx}modified before published"
        if "tags" in item:
            assert isinstance(item["tags"], list) and all(
                isinstance(t, str) for t in item["tags"]), f"{where}: {ctx}tags"
        authors(item, ctx)
    assert len(set(ids)) == len(ids), f"{where}: an item id twice"
    if atom_ids is not None:
        assert ids == atom_ids, f"{where}: items differ from feed.atom's entries"
    return feed
