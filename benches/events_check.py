#!/usr/bin/env python3
"""Dated events of the xwlb archive (CCTV evening news) against events.csv.

Usage: benches/events_check.py OUT   (OUT = the --out of a run on ../shared/corpus/xwlb/_posts)

An event counts as found when all the listed words are among its top_terms,
its dates overlap the real dates and it lasts at most 92 days. Prints each
check and the number found; tests/events.rs asks for 10 of the 13.
"""
import csv,sys,datetime as dt
D=lambda s:dt.date.fromisoformat(s)
CHECKS=[
 ("20th Party Congress", ["二十大"], "2022-10-16","2022-10-22"),
 ("Jiang Zemin's death", ["江泽民"], "2022-11-30","2022-12-06"),
 ("China-Central Asia summit, Xi'an", ["中亚","峰会"], "2023-05-18","2023-05-19"),
 ("Chengdu Universiade", ["大运会"], "2023-07-28","2023-08-08"),
 ("Hangzhou Asian Games", ["亚运会"], "2023-09-23","2023-10-08"),
 ("Belt and Road Forum III", ["高峰论坛"], "2023-10-17","2023-10-18"),
 ("SCO summit Astana", ["阿斯塔纳"], "2024-07-03","2024-07-04"),
 ("Third Plenum", ["深化改革"], "2024-07-15","2024-07-18"),
 ("Paris Olympics", ["奥运会","巴黎"], "2024-07-26","2024-08-11"),
 ("FOCAC Beijing summit", ["中非"], "2024-09-04","2024-09-06"),
 ("Harbin Asian Winter Games", ["亚冬会"], "2025-02-07","2025-02-14"),
 ("SCO summit Tianjin", ["天津","峰会"], "2025-08-31","2025-09-01"),
 ("Fourth Plenum", ["四中全会"], "2025-10-20","2025-10-23"),
]
def load(d):
    return list(csv.DictReader(open(d+'/events.csv')))
def check(rows, maxdays=92):
    out=[]
    for name,words,a,b in CHECKS:
        a,b=D(a),D(b); hit=None
        for r in rows:
            terms=r['top_terms'].split(';')
            if all(w in terms for w in words):
                s,e=D(r['start']),D(r['end'])
                if s<=b and e>=a and (e-s).days<=maxdays:
                    hit=r; break
        out.append((name,hit))
    return out
if __name__=='__main__':
    rows=load(sys.argv[1]); res=check(rows); n=0
    for name,hit in res:
        n+= hit is not None
        print(('FOUND ' if hit else 'miss  ')+name, '' if not hit else f"E{hit['event_id']} {hit['start']}..{hit['end']} {hit['posts']} posts {hit['label']}")
    print(f"{n}/{len(res)} found")
