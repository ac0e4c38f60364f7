#!/usr/bin/env python3
"""NPMI of each theme's top words, counted outside the job over the raw texts.

Usage: benches/flash_npmi.py POSTS.tsv OUT [OUT ...]
  POSTS.tsv  the archive as a table with `title` and `text` columns
             (e.g. ../shared/corpus/flash/flash-2026-05-06.tsv)
  OUT        report folders of runs on it (their themes.csv is read)

A word "occurs" in a post when it is a substring of the post's title + text
(no segmenter: the job's own segmentation is not trusted to judge itself).
For each theme, NPMI is the mean over pairs of its top 10 words of
log(p(a,b) / p(a) p(b)) / -log p(a,b) (-1 for a pair never together).
Prints, per run, the mean over themes and the size-weighted mean, and each
theme's label, size and NPMI.
"""
import csv
import math
import sys
from itertools import combinations

csv.field_size_limit(1 << 30)


def read_posts(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ti, xi = header.index("title") if "title" in header else None, header.index("text")
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) <= xi:
                continue
            yield ((p[ti] if ti is not None else "") + " " + p[xi])


def themes(out):
    with open(f"{out}/themes.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            words = [t.split(":")[0] for t in r["top_terms"].split(";") if t][:10]
            yield r["label"], int(r["size"]), words


def main():
    posts = list(read_posts(sys.argv[1]))
    n = len(posts)
    for out in sys.argv[2:]:
        ts = list(themes(out))
        vocab = sorted({w for _, _, ws in ts for w in ws})
        docs = {w: frozenset(i for i, p in enumerate(posts) if w in p) for w in vocab}
        rows = []
        for label, size, ws in ts:
            vals = []
            for a, b in combinations(ws, 2):
                pa, pb = len(docs[a]) / n, len(docs[b]) / n
                pab = len(docs[a] & docs[b]) / n
                if pab == 0 or pa == 0 or pb == 0:
                    vals.append(-1.0)
                elif pab == 1:
                    vals.append(1.0)
                else:
                    vals.append(math.log(pab / (pa * pb)) / -math.log(pab))
            rows.append((label, size, sum(vals) / len(vals) if vals else 0.0))
        mean = sum(r[2] for r in rows) / len(rows)
        total = sum(r[1] for r in rows)
        weighted = sum(r[1] * r[2] for r in rows) / total
        print(f"{out}: {len(rows)} themes, NPMI mean {mean:.4f}, size-weighted {weighted:.4f}")
        for label, size, v in sorted(rows, key=lambda r: -r[1]):
            print(f"  {size:6d}  {v:+.3f}  {label}")


if __name__ == "__main__":
    main()
