"""The timing rules of KeOps' benchmark scripts (shared/seeds/000), for any
routine: each size is warmed up once and run `loops` times, with `loops`
going down the list 100, 10, 1 as runs grow longer than max_time, and a
routine dropped ("** Too slow!") once a single run takes longer than
max_time. Adds what the seed lacks: every result is checked against a float64
reference, and the measurements go to JSON and a log-log PNG.
"""
import json
import math
import os
import time

LOOPS = (100, 10, 1)
RED_TIME = 2.0  # the seed's second reason to take fewer loops (seconds)
PREFIXES = {-9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}


def si_format(value, precision=1):
    """`si_format(1000, 0)` is "1 k", `si_format(3.1e-3)` "3.1 m", as the
    seed prints sizes and times."""
    if value == 0 or not math.isfinite(value):
        return f"{value} "
    exponent = max(-9, min(9, 3 * math.floor(math.log10(abs(value)) / 3)))
    mantissa = value / 10.0**exponent
    if round(mantissa, precision) >= 1000 and exponent < 9:
        exponent, mantissa = exponent + 3, mantissa / 1000
    return f"{mantissa:.{precision}f} {PREFIXES[exponent]}"


class Skipped(Exception):
    """A routine that cannot run here; the message says why."""


class TooBig(MemoryError):
    """The routine would need more memory than the machine should give it."""


class Routine:
    """A label, a callable run(data) -> output (B, N, 1) array-like, how it
    prepares the shared data (`prepare(data) -> data`), the batch size it runs
    on, and `sync` called before reading the clock (GPU queues)."""

    def __init__(self, label, run, prepare, batch=1, sync=None, skip=None,
                 memory=None):
        self.label, self.run, self.prepare = label, run, prepare
        self.batch, self.sync, self.skip = batch, sync or (lambda: None), skip
        self.memory = memory  # memory(n) -> bytes, checked before each size


def available_memory():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def time_loops(routine, data, loops):
    """The seed's simple loop: one warm-up, then `loops` timed runs; returns
    (seconds per run and per batch element, last output)."""
    out = routine.run(*data)
    routine.sync()
    start = time.perf_counter()
    for _ in range(loops):
        out = routine.run(*data)
    routine.sync()
    return (time.perf_counter() - start) / (routine.batch * loops), out


def bench_routine(routine, sizes, make_data, check, max_time):
    """Runs one routine over the sizes with the seed's rules; prints the
    seed's lines and returns the routine's JSON record."""
    print(f"{routine.label} -------------", flush=True)
    record = {"label": routine.label, "batch": routine.batch, "sizes": [],
              "status": "ok", "reason": None}
    if routine.skip:
        print(f"** Skipped: {routine.skip}")
        record.update(status="skipped", reason=routine.skip)
        return record
    loops = list(LOOPS)
    nloops = loops.pop(0)
    try:
        for n in sizes:
            if routine.memory and routine.memory(n) > available_memory() / 2:
                raise TooBig(f"would need {routine.memory(n) / 2**30:.1f} GiB")
            data = routine.prepare(make_data(n, routine.batch))
            per_run, out = time_loops(routine, data, nloops)
            diff = check(n, routine.batch, out)
            b = routine.batch
            print(f"{b:3}x{nloops:3} loops of size {si_format(n, 0):>5}: "
                  f"{b:3}x{nloops:3}x {si_format(per_run):>7}s   "
                  f"(max rel. diff {diff:.1e})", flush=True)
            record["sizes"].append({"n": n, "loops": nloops, "time_s": per_run,
                                    "max_rel_diff": diff})
            if nloops * per_run > max_time or (nloops * per_run > RED_TIME and loops):
                nloops = loops.pop(0)  # IndexError once the last is used
    except IndexError:
        print("** Too slow!")
        record.update(status="too slow", reason=f"one run over {max_time} s")
    except MemoryError as err:
        print(f"** Memory overflow! ({err})")
        record.update(status="memory overflow", reason=str(err) or "MemoryError")
    except RuntimeError as err:
        print(err)
        print("** Runtime error!")
        record.update(status="runtime error", reason=str(err))
    return record


def print_summary(title, records):
    """A compact table: one line per routine, time per run at each size."""
    sizes = sorted({s["n"] for r in records for s in r["sizes"]})
    width = max([len(r["label"]) for r in records] + [7])
    print(f"\n{title}: time per run (per batch element)")
    print(f"{'':{width}} " + " ".join(f"{si_format(n, 0):>9}" for n in sizes))
    for r in records:
        times = {s["n"]: s["time_s"] for s in r["sizes"]}
        cells = [f"{si_format(times[n]) + 's':>9}" if n in times else f"{'':>9}"
                 for n in sizes]
        tail = "" if r["status"] == "ok" else f"  {r['status']}"
        print(f"{r['label']:{width}} " + " ".join(cells) + tail)


def plot(title, records, path):
    """A log-log PNG, one curve per routine; False without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        return False
    plt.figure(figsize=(10, 7))
    colors = plt.get_cmap("tab20").colors
    marks = "os^<>vp*dhxD"
    for k, r in enumerate(records):
        if not r["sizes"]:
            continue
        # One line style per family: KeOps dashed, kred solid, others dotted.
        style = "--" if r["label"].startswith("KeOps") else \
            "-" if r["label"].startswith("kred") else ":"
        label = r["label"] if r["status"] == "ok" else \
            f"{r['label']}: {r['status']} after {si_format(r['sizes'][-1]['n'], 0)}"
        plt.loglog([s["n"] for s in r["sizes"]], [s["time_s"] for s in r["sizes"]],
                   style, marker=marks[k % len(marks)], color=colors[k % len(colors)],
                   linewidth=2, label=label)
    plt.title(title)
    plt.xlabel("Number of samples")
    plt.ylabel("Time per run (s)")
    plt.grid(True, which="major", linestyle="-")
    plt.grid(True, which="minor", linestyle="dotted")
    plt.legend(loc="upper left", fontsize="small")
    plt.savefig(path, dpi=90)
    plt.close()
    return True


def write_json(path, document):
    with open(path, "w") as f:
        json.dump(document, f, indent=1)
