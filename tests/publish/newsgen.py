"""Deterministic made-up news for the publishing tests.

Each story has its own vocabulary (invented names and words), so articles
of one story resemble each other and articles of different stories share
nothing but stop words: the clusterer groups them exactly as the test
means. An article is a plain-text file with Title, Source and Date headers.
"""
import datetime as dt
import os
import random

SYL = ["ka", "lo", "mi", "ren", "tas", "vor", "bel", "quin", "dra", "sul",
       "fer", "neth", "pax", "zun", "hal", "gir", "mop", "tev", "ulo", "yar",
       "bru", "cel", "dov", "esk", "fim", "gul", "hob", "int", "jor", "kep"]
FILL = ("the officials said on the day that a report from the region "
        "showed new details as people gathered").split()


def vocab(story):
    r = random.Random(1000003 * (story + 1))
    words = set()
    while len(words) < 30:
        words.add("".join(r.choice(SYL) for _ in range(4)))
    return sorted(words)


def rfc3339(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def article(story, variant, outlet, when):
    """The text of one outlet's report on story, dated when (epoch s)."""
    v = vocab(story)
    r = random.Random(7919 * (story + 1) + variant)
    person = v[0].capitalize() + " " + v[1].capitalize()
    place = v[2].capitalize()
    title = f"{person} in {place} as {v[3]} {v[4]} talks go on"
    sentences = []
    for _ in range(4):
        words = r.sample(v[5:], 9) + r.sample(FILL, 4)
        r.shuffle(words)
        sentences.append(f"{person} visited {place}, where "
                         + " ".join(words) + ".")
    return (f"Title: {title}\nSource: {outlet}\nDate: {rfc3339(when)}\n\n"
            + " ".join(sentences[:2]) + "\n\n" + " ".join(sentences[2:])
            + "\n")


def write(seeds, name, text):
    with open(os.path.join(seeds, name + ".txt"), "w", encoding="utf-8") as f:
        f.write(text)
