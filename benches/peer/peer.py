#!/usr/bin/env python3
"""Python peer of theme-trends: the pipeline the issue measures against.

    python peer.py INPUT_POSTS_FOLDER OUTPUT_FOLDER

read Jekyll posts (front matter title/date, HTML body) -> jieba in a Pool of
2 processes -> TfidfVectorizer(sublinear_tf, min_df=2, max_df=0.5) ->
TruncatedSVD(100) + Normalizer -> KMeans(k=20, n_init=5) -> pandas shares per
(month, theme) -> matplotlib stacked area PNG.

Writes trends.csv, assignments.csv and theme_share_area.png into OUTPUT_FOLDER
and prints the per-stage seconds as one JSON line at the end (keys: read,
segment, vectorize, svd, kmeans, trend, chart, total).
"""
import html
import json
import os
import re
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import jieba
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import Normalizer  # noqa: E402

K = 20
DIMS = 100
SEED = 42
PROCESSES = 2

TAG_RE = re.compile(r"<[^>]+>")
SPACE_RE = re.compile(r"\s+")
WORD_RE = re.compile(r"\w")
FIELD_RE = re.compile(r"^(title|date)\s*:\s*(.*?)\s*$")
NAME_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        if value[0] == '"':
            try:
                return json.loads(value)
            except ValueError:
                pass
        return value[1:-1]
    return value


def parse_post(path):
    """(date 'YYYY-MM-DD' or None, title, plain text body) of one Jekyll post."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    fields = {}
    body = raw
    if raw.startswith("---"):
        parts = raw.split("\n---", 1)
        if len(parts) == 2:
            for line in parts[0].splitlines()[1:]:
                m = FIELD_RE.match(line)
                if m:
                    fields[m.group(1)] = unquote(m.group(2))
            body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    text = html.unescape(TAG_RE.sub(" ", body))
    text = SPACE_RE.sub(" ", text).strip()
    date = fields.get("date", "")[:10]
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        m = NAME_DATE_RE.match(path.name)
        date = m.group(1) if m else None
    return date, fields.get("title", ""), text


def read_posts(folder):
    rows = []
    for path in sorted(Path(folder).rglob("*.md")):
        date, title, body = parse_post(path)
        if date is None:
            continue
        rows.append((str(path), date, title, body))
    return pd.DataFrame(rows, columns=["path", "date", "title", "body"])


def segment(text):
    # Words of at least two characters with a letter/digit in them: what
    # TfidfVectorizer's default token pattern would keep.
    return [w for w in jieba.cut(text) if len(w) >= 2 and WORD_RE.search(w)]


def identity(tokens):
    return tokens


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: peer.py INPUT_POSTS_FOLDER OUTPUT_FOLDER")
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    jieba.setLogLevel(60)
    sec = {}
    t_all = t = time.perf_counter()

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        sec[name] = round(now - t, 3)
        t = now

    df = read_posts(src)
    texts = (df["title"] + "\n" + df["body"]).tolist()
    lap("read")

    with Pool(PROCESSES, initializer=jieba.initialize) as pool:
        tokens = pool.map(segment, texts, chunksize=max(1, len(texts) // (PROCESSES * 16)))
    lap("segment")

    vec = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=2, max_df=0.5)
    x = vec.fit_transform(tokens)
    lap("vectorize")

    lsa = make_pipeline(TruncatedSVD(DIMS, random_state=SEED), Normalizer(copy=False))
    z = lsa.fit_transform(x)
    lap("svd")

    km = KMeans(n_clusters=K, n_init=5, random_state=SEED)
    df["theme"] = km.fit_predict(z)
    lap("kmeans")

    df["month"] = pd.to_datetime(df["date"], errors="coerce").dt.to_period("M")
    counts = df.groupby(["month", "theme"]).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby("month")["count"].transform("sum")
    counts.to_csv(out / "trends.csv", index=False)
    df[["path", "date", "title", "theme"]].to_csv(out / "assignments.csv", index=False)
    share = counts.pivot(index="month", columns="theme", values="share").fillna(0.0)
    lap("trend")

    terms = np.array(vec.get_feature_names_out())
    centres = lsa.named_steps["truncatedsvd"].inverse_transform(km.cluster_centers_)
    labels = [" ".join(terms[np.argsort(-c)[:3]]) for c in centres]
    fig, ax = plt.subplots(figsize=(16, 9), dpi=100)
    ax.stackplot(share.index.to_timestamp(), share.T.values,
                 labels=[f"T{i}" for i in share.columns])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of posts")
    ax.set_title(f"Theme share per month ({len(df)} posts, k={K})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "theme_share_area.png")
    plt.close(fig)
    (out / "themes.txt").write_text(
        "\n".join(f"T{i}\t{n}\t{labels[i]}" for i, n in
                  enumerate(np.bincount(df["theme"], minlength=K))) + "\n",
        encoding="utf-8")
    lap("chart")

    sec["total"] = round(time.perf_counter() - t_all, 3)
    print(json.dumps({"posts": len(df), "vocabulary": len(terms), **{
        k: sec[k] for k in ["read", "segment", "vectorize", "svd", "kmeans", "trend", "chart", "total"]
    }}))


if __name__ == "__main__":
    main()
