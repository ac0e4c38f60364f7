#!/usr/bin/env python3
"""The Python peer's recipe (peer.py) on a labelled TSV, scored against the labels.

    python peer_labels.py FILE.tsv [--chars N] [--seeds 1,2,3,4,5] [--k 10]

Same steps as peer.py: jieba words of at least two characters with a
letter or digit, TfidfVectorizer(sublinear_tf, min_df=2, max_df=0.5),
TruncatedSVD(100) + Normalizer, KMeans(k, n_init=5); `text` cut to its first
N characters when --chars is given (the flash length). Prints NMI and ARI
per seed and their mean, for comparison with benches/quality.sh (which
accepts TSV= the same cut file).
"""
import argparse
import csv
import re
import statistics

import jieba
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer

WORD_RE = re.compile(r"\w")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("--chars", type=int)
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--k", type=int, default=10)
    a = ap.parse_args()
    jieba.setLogLevel(60)
    with open(a.tsv, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    labels = [r["label"] for r in rows]
    texts = [r["text"][: a.chars] if a.chars else r["text"] for r in rows]
    tokens = [[w for w in jieba.cut(t) if len(w) >= 2 and WORD_RE.search(w)] for t in texts]
    x = TfidfVectorizer(analyzer=lambda t: t, sublinear_tf=True, min_df=2, max_df=0.5).fit_transform(tokens)
    nmis, aris = [], []
    for seed in [int(s) for s in a.seeds.split(",")]:
        z = make_pipeline(TruncatedSVD(100, random_state=seed), Normalizer(copy=False)).fit_transform(x)
        pred = KMeans(n_clusters=a.k, n_init=5, random_state=seed).fit_predict(z)
        nmi, ari = normalized_mutual_info_score(labels, pred), adjusted_rand_score(labels, pred)
        nmis.append(nmi)
        aris.append(ari)
        print(f"seed {seed}: NMI {nmi:.4f}  ARI {ari:.4f}")
    print(f"mean over {len(nmis)} seeds: NMI {statistics.mean(nmis):.4f}  ARI {statistics.mean(aris):.4f}")


if __name__ == "__main__":
    main()
