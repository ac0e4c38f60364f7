#!/usr/bin/env python3
"""theme-trends stages on a cluster engine: Dask, in local mode.

    python benches/engine_dask.py INPUT [--parts 4] [--workers 2] [--bin target/release/theme-trends]

The engine runs `theme-trends prepare --part I/N` for every part of the
input as independent tasks, then `fit` once, then `assign --part I/N` for
every part of the store, then `report` once: the scheduler is Dask's (here
its local process pool; a `dask.distributed` cluster runs the same graph on
many machines sharing the work folder). theme-trends itself has no
scheduler. Every task reads the same job file (a `--config` TOML), so all
stages see the same settings.

For comparison the script also runs `theme-trends run` on the same input and
compares the reports: the themes, the assignments and the trends must be
the same, byte for byte. Prints the timings and SAME / DIFFERENT per file;
exits 1 when a file differs. Not run by CI (needs `pip install dask`).
"""
import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dask
from dask import delayed

ROOT = Path(__file__).resolve().parent.parent
JOB = """# The engine's job: the settings every stage reads (flags of `theme-trends run`).
k = "auto"
granularity = "month"
facet = ["source"]
no_charts = true
"""


def stage(binary, *args):
    """One theme-trends process; raises with its output when it fails."""
    started = time.time()
    done = subprocess.run([binary, *args, "-q"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return time.time() - started


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="folder of posts or table file")
    ap.add_argument("--parts", type=int, default=4, help="parts of prepare and of assign")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    ap.add_argument("--bin", default=str(ROOT / "target/release/theme-trends"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="theme-trends-dask-"))
    job = work / "job.toml"
    job.write_text(JOB)
    cache, out, reference = work / "cache", work / "reports", work / "run"
    common = ["--config", str(job), "--threads", "1"]
    print(f"dask {dask.__version__}, local process pool of {a.workers} workers, {a.parts} parts; work folder {work}")

    t0 = time.time()
    stage(a.bin, "run", "--input", a.input, "--out", str(reference), "--no-cache", "--config", str(job))
    t_run = time.time() - t0

    t0 = time.time()
    with dask.config.set(scheduler="processes", num_workers=a.workers):
        prepared = [delayed(stage)(a.bin, "prepare", "--input", a.input, "--cache", str(cache),
                                   "--part", f"{i}/{a.parts}", *common)
                    for i in range(1, a.parts + 1)]
        t_prepare = dask.compute(*prepared)
        t_fit = stage(a.bin, "fit", "--cache", str(cache), "--config", str(job))
        assigned = [delayed(stage)(a.bin, "assign", "--cache", str(cache),
                                   "--part", f"{i}/{a.parts}", *common)
                    for i in range(1, a.parts + 1)]
        t_assign = dask.compute(*assigned)
    t_report = stage(a.bin, "report", "--cache", str(cache), "--out", str(out), "--config", str(job))
    t_engine = time.time() - t0

    print(f"theme-trends run (one process, {a.workers} threads): {t_run:.1f} s")
    print(f"dask: prepare parts {', '.join(f'{t:.1f}' for t in t_prepare)} s; fit {t_fit:.1f} s; "
          f"assign parts {', '.join(f'{t:.1f}' for t in t_assign)} s; report {t_report:.1f} s; "
          f"{t_engine:.1f} s in all")
    differ = 0
    for name in ["themes.csv", "assignments.csv", "trends.csv", "trends_by_facet.csv",
                 "emerging.csv", "theme_terms_by_period.csv", "rejected.csv",
                 "events.csv", "rising_terms.csv"]:
        same = filecmp.cmp(reference / name, out / name, shallow=False)
        differ += not same
        print(f"  {name:<28} {'SAME' if same else 'DIFFERENT'}")
    themes = (out / "themes.csv").read_text(encoding="utf-8").splitlines()
    print(f"{len(themes) - 1} themes, e.g. " + "; ".join(l.split(",")[1] for l in themes[1:4]))
    if not a.keep:
        shutil.rmtree(work)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
