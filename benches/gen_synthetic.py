#!/usr/bin/env python3
"""Synthetic archive for the scale benchmark: N posts as a Parquet table.

    python gen_synthetic.py N OUT.parquet [--corpus DIR] [--seed 42] [--years-per-replica 4]

Replicates the xwlb corpus (../shared/corpus/xwlb/_posts): replica 0 is the
corpus as it is; replica r has every date moved back by r * 4 whole years
(the corpus spans just under 4 years, so the replicas tile the calendar and
the date range grows with N; 29 February becomes 28 February in a non-leap
year) and every text lightly varied, so that no copy is an exact duplicate of
another: a few pairs of neighbouring characters swapped, a few commas turned
into enumeration commas, and one sentence dropped or repeated. The last
replica is a deterministic random subset of the posts so that N is exact.

Columns: id (string), date (date32), title (string), text (plain text, one
paragraph a line). Deterministic for a given seed. Refuses to write inside the
git repository the script lives in.
"""
import argparse
import datetime as dt
import html
import math
import random
import re
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
TAG_RE = re.compile(r"<[^>]+>")
BREAK_RE = re.compile(r"(?i)</p\s*>|<br\s*/?>")
FIELD_RE = re.compile(r"^(title|date)\s*:\s*(.*?)\s*$")
SENTENCE_RE = re.compile(r"(?<=[。！？])")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")

SCHEMA = pa.schema([("id", pa.string()), ("date", pa.date32()),
                    ("title", pa.string()), ("text", pa.string())])


def unquote(v):
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1].replace('\\"', '"')
    return v


def read_corpus(folder):
    posts = []
    for path in sorted(Path(folder).rglob("*.md")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        fields, body = {}, raw
        if raw.startswith("---"):
            head, sep, rest = raw.partition("\n---")
            if sep:
                for line in head.splitlines()[1:]:
                    m = FIELD_RE.match(line)
                    if m:
                        fields[m.group(1)] = unquote(m.group(2))
                body = rest.split("\n", 1)[1] if "\n" in rest else ""
        text = html.unescape(TAG_RE.sub("", BREAK_RE.sub("\n", body)))
        text = "\n".join(l.strip() for l in text.splitlines() if l.strip())
        d = fields.get("date", "")[:10] or path.name[:10]
        try:
            date = dt.date.fromisoformat(d)
        except ValueError:
            continue
        posts.append((path.stem, date, fields.get("title", ""), text))
    return posts


def shift_years(d, years):
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February in a non-leap year
        return d.replace(year=d.year - years, day=28)


def vary(text, rng):
    """A lightly different copy: sentence dropped/repeated, chars swapped."""
    paragraphs = text.split("\n")
    sentences = [(p, s) for p, para in enumerate(paragraphs)
                 for s in SENTENCE_RE.split(para) if s]
    if len(sentences) >= 3:
        k = rng.randrange(len(sentences))
        if rng.random() < 0.5:
            del sentences[k]
        else:
            sentences.insert(k, sentences[k])
    out, last = [], None
    for p, s in sentences:
        if last is not None and p != last:
            out.append("\n")
        out.append(s)
        last = p
    chars = list("".join(out))
    pairs = [i for i in range(len(chars) - 1) if chars[i] != chars[i + 1]
             and CJK_RE.match(chars[i]) and CJK_RE.match(chars[i + 1])]
    for i in rng.sample(pairs, min(3, len(pairs))):  # swap neighbouring Chinese characters
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    commas = [i for i, c in enumerate(chars) if c == "，"]
    for i in rng.sample(commas, min(2, len(commas))):
        chars[i] = "、"
    return "".join(chars)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of posts")
    ap.add_argument("out", type=Path, help="output .parquet file (outside the repo)")
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared/corpus/xwlb/_posts")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--years-per-replica", type=int, default=None,
                    help="date shift per replica (default: the corpus span rounded up)")
    args = ap.parse_args()

    out = args.out.resolve()
    if out == REPO or REPO in out.parents:
        sys.exit(f"error: refusing to write {out} inside the repository {REPO}")
    if not args.corpus.is_dir():
        sys.exit(f"error: corpus folder {args.corpus} not found")
    t0 = time.perf_counter()
    posts = read_corpus(args.corpus)
    if not posts:
        sys.exit(f"error: no posts in {args.corpus}")
    first, last = min(p[1] for p in posts), max(p[1] for p in posts)
    step = args.years_per_replica or math.ceil(((last - first).days + 1) / 365.2425)
    replicas = math.ceil(args.n / len(posts))
    print(f"# {len(posts)} corpus posts {first}..{last}; {replicas} replicas, "
          f"{step} years apart -> {args.n} posts", file=sys.stderr)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    written = 0
    with pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
        for r in range(replicas):
            rng = random.Random(f"{args.seed}:{r}")
            take = range(len(posts))
            if written + len(posts) > args.n:
                take = sorted(rng.sample(range(len(posts)), args.n - written))
            ids, dates, titles, texts = [], [], [], []
            for i in take:
                pid, date, title, text = posts[i]
                ids.append(f"r{r:03d}-{pid}")
                dates.append(shift_years(date, r * step))
                titles.append(title)
                texts.append(text if r == 0 else vary(text, rng))
            writer.write_table(pa.table({"id": ids, "date": dates, "title": titles,
                                         "text": texts}, schema=SCHEMA))
            written += len(ids)
    tmp.replace(out)
    print(f"# wrote {written} posts to {out} ({out.stat().st_size / 2**20:.0f} MiB) "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
