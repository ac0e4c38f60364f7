#!/usr/bin/env python3
"""How many known stories of a flash feed the events stage finds, and how
noisy its list is.

    benches/flash_stories.py OUT [STORIES.tsv] [--table FLASH.tsv]

OUT is the report folder of a run on the flash table
(../shared/corpus/flash/flash-2026-05-06.tsv by default), or on the post
folder made from it (files `DATE-OUTLET-ROW.md`, as benches/nightly_flash.sh
writes them). STORIES.tsv
(benches/flash_stories.tsv by default, made by reading the feed before
looking at what the job reports, see benches/flash_stories.md) lists
`id keyword start end kind description`.

A story's posts are the analysed posts (rows of OUT/assignments.csv) whose
title or text contains the keyword, dated within the story's days. A
story is found as one event when an event of OUT/events.csv

- is at least 40% about it (its posts contain the keyword),
- holds at least a quarter of the story's posts,
- has its busiest day within the story's days, and
- has the keyword, or a part of it, among its first five words.

Prints one line per story, then the share found, and the noise: events per
day and per week, the share labelled by a single word, and the roundups
recognised (run.json).
"""
import csv
import json
import os
import sys
from collections import Counter, defaultdict
from datetime import date

csv.field_size_limit(1 << 30)
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    argv = sys.argv[1:]
    if "--table" in argv:
        # The option's value is no positional argument.
        i = argv.index("--table")
        if i + 1 >= len(argv):
            print("--table needs a file")
            return 2
        argv = argv[:i] + argv[i + 2:]
    args = [a for a in argv if not a.startswith("--")]
    if not args:
        print(__doc__)
        return 2
    out = args[0]
    stories_path = args[1] if len(args) > 1 else os.path.join(HERE, "flash_stories.tsv")
    table = os.path.join(HERE, "../../shared/corpus/flash/flash-2026-05-06.tsv")
    if "--table" in sys.argv:
        table = sys.argv[sys.argv.index("--table") + 1]
    # The table's texts by row.
    texts = {}
    with open(table, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ti, xi = header.index("title"), header.index("text")
        for row, line in enumerate(f):
            cols = line.rstrip("\n").split("\t")
            texts[row] = (cols[ti] if ti < len(cols) else "") + "\n" + (cols[xi] if xi < len(cols) else "")
    posts = []  # (date, text, event_id)
    with open(os.path.join(out, "assignments.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            # A table's row is `TABLE#ROW`; a post file made from the table
            # (benches/nightly_flash.sh) is `DATE-OUTLET-ROW.md`.
            p = r["path"]
            row = int(p.rsplit("#", 1)[1] if "#" in p else p.rsplit("-", 1)[1].split(".")[0])
            posts.append((r["date"], texts.get(row, r["title"]), r["event_id"]))
    events = {}
    with open(os.path.join(out, "events.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            events[r["event_id"]] = r
    members = defaultdict(list)
    for d, text, e in posts:
        if e:
            members[e].append((d, text))
    stories = []
    with open(stories_path, encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            stories.append(r)
    found = 0
    for s in stories:
        kw, a, b = s["keyword"], s["start"], s["end"]
        story = [(d, t, e) for d, t, e in posts if a <= d <= b and kw in t]
        n = len(story)
        best = None
        for e, ev in events.items():
            m = members.get(e, [])
            if not m:
                continue
            about = sum(1 for _, t in m if kw in t) / len(m)
            held = sum(1 for _, _, x in story if x == e) / max(n, 1)
            peak = ev.get("peak_day") or ev.get("peak_period") or ""
            words = [w for w in ev["top_terms"].split(";") if w][:5]
            named = any(len(w) >= 2 and (w in kw.lower() or kw.lower() in w) for w in words)
            ok = about >= 0.4 and held >= 0.25 and a <= peak <= b and named
            key = (ok, held * about)
            if best is None or key > best[0]:
                best = (key, e, about, held, peak, ev["label"])
        (ok, _), e, about, held, peak, label = best if best else ((False, 0), "", 0, 0, "", "")
        found += ok
        print(f"{'FOUND' if ok else 'miss '} {s['id']:26} {kw:10} posts {n:4}  best event {e:>5} "
              f"about {about:4.0%} holds {held:4.0%} peak {peak} {label}")
    share = found / max(len(stories), 1)
    print(f"\nfound {found} of {len(stories)} stories ({share:.0%}) as one event each")
    # Noise.
    days = sorted({d for d, _, _ in posts})
    n_days = max(len(days), 1)
    weeks = {date.fromisoformat(d).isocalendar()[:2] for d in days}
    one_word = sum(1 for ev in events.values() if "·" not in ev["label"])
    run = json.load(open(os.path.join(out, "run.json"), encoding="utf-8"))
    roundups = run.get("counts", {}).get("roundups", run.get("events", {}).get("roundups"))
    print(f"events: {len(events)} ({len(events) / n_days:.1f} a day over {n_days} days with posts, "
          f"{len(events) / max(len(weeks), 1):.1f} a week); labelled by one word: "
          f"{one_word / max(len(events), 1):.0%}; roundups recognised: {roundups}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
