#!/usr/bin/python3
"""Steady-state side-by-side of mpq's float runtime and PyTorch (CPU), alternated in rounds.

Driver of bench/steady_vs_pytorch.sh (see bench/README.md). Why another protocol than
bench/train_vs_pytorch.sh: PyTorch 1.13's CPU training speed depends on the process's
history (the same NCHW step runs 2-3x faster after a few hundred steps or after an
eval-mode pass), so a fresh process timed after 2 warm-up steps flatters mpq.

Here each PyTorch layout lives in one long-lived worker process (this file with --worker):
it first runs an eval-mode inference pass and --warmup training steps on real
Fashion-MNIST batches (all untimed, their speed kept as a trace), then answers timing
requests; each new (mode, batch, threads) gets --warmup-config more untimed steps. Training
batches are drawn at random from the training split, padded 28 -> 32 at a random offset and
normalized as libmpq does, prepared before the timed window (mpq's bench does not time
data loading either), and the model keeps training on them. Steps use
zero_grad(set_to_none=True); denormal flushing is a per-window switch (variant "+ftz").

Every round times each figure once for mpq (a fresh `mpq bench` process) and once for each
PyTorch variant, the order reversed on every other round, so that a change of machine load
hits both sides. Reported: median and min-max of the rounds, ratio of the medians and the
min-max of the per-round ratios.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------------------
# Worker: one PyTorch process, one layout.

def load_fashion_mnist(directory):
    import numpy as np
    def idx(name):
        with gzip.open(os.path.join(directory, name)) as f:
            data = f.read()
        dims = data[3]
        shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    return idx("train-images-idx3-ubyte.gz"), idx("train-labels-idx1-ubyte.gz")


def worker(args):
    import numpy as np
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(HERE, "..", "tools"))
    import mpq_torch

    torch.manual_seed(7)
    rng = np.random.default_rng(7)
    images, labels = load_fashion_mnist(args.data)
    mean, std = images.mean() / 255.0, images.std() / 255.0
    fmt = torch.channels_last if args.layout == "channels_last" else torch.contiguous_format
    model = mpq_torch.build_model("mobilenet_v1", 0.25, 1, 10, True).to(memory_format=fmt)
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    sgd = torch.optim.SGD([{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=0.01, momentum=0.9, nesterov=True)

    def batches(n, count):
        """`count` real training batches of `n` images: random images, random 0..4 offsets."""
        out = []
        for _ in range(count):
            pick = rng.integers(0, len(images), n)
            canvas = np.zeros((n, 1, 32, 32), dtype=np.float32)
            oy, ox = rng.integers(0, 5, n), rng.integers(0, 5, n)
            for k, i in enumerate(pick):
                canvas[k, 0, oy[k]:oy[k] + 28, ox[k]:ox[k] + 28] = images[i] / 255.0
            x = torch.from_numpy((canvas - mean) / std).contiguous(memory_format=fmt)
            out.append((x, torch.from_numpy(labels[pick].astype(np.int64))))
        return out

    def train_steps(pool, steps, chunk=0):
        """Runs `steps` training steps cycling over `pool`; img/s of every `chunk` steps."""
        model.train()
        trace, t0 = [], time.perf_counter()
        for s in range(steps):
            x, y = pool[s % len(pool)]
            loss = F.cross_entropy(model(x), y)
            sgd.zero_grad(set_to_none=True)
            loss.backward()
            sgd.step()
            if chunk and (s + 1) % chunk == 0:
                t1 = time.perf_counter()
                trace.append(round(chunk * len(x) / (t1 - t0), 1))
                t0 = t1
        return trace

    def infer_steps(pool, steps):
        model.eval()
        with torch.inference_mode():
            for s in range(steps):
                model(pool[s % len(pool)][0])

    def timed(step_fn, seconds):
        start, n = time.perf_counter(), 0
        while n < 3 or time.perf_counter() - start < seconds:
            step_fn(n)
            n += 1
        return (time.perf_counter() - start) / n

    # Process history before anything is timed: an eval pass, then --warmup training steps.
    torch.set_num_threads(args.threads)
    pools = {64: batches(64, 32)}
    t0 = time.perf_counter()
    infer_steps(pools[64], 20)
    startup = {"eval_pass_seconds": round(time.perf_counter() - t0, 2),
               "warmup_trace_img_s": train_steps(pools[64], args.warmup, chunk=25)}
    print(json.dumps(startup), flush=True)

    warmed = set()
    for line in sys.stdin:
        req = json.loads(line)
        b, mode = req["batch"], req["mode"]
        torch.set_num_threads(req["threads"])
        torch.set_flush_denormal(bool(req["ftz"]))
        if b not in pools:
            pools[b] = batches(b, max(8, 2048 // b))
        pool = pools[b]
        key = (mode, b, req["threads"])
        if key not in warmed:
            warmed.add(key)
            if mode == "train":
                train_steps(pool, args.warmup_config)
            else:
                infer_steps(pool, max(5, args.warmup_config // 5))
        if mode == "train":
            t = timed(lambda n: train_steps([pool[n % len(pool)]], 1), req["seconds"])
        else:
            model.eval()
            with torch.inference_mode():
                t = timed(lambda n: model(pool[n % len(pool)][0]), req["seconds"])
        torch.set_flush_denormal(False)
        print(json.dumps({"images_per_second": b / t}), flush=True)


# ----------------------------------------------------------------------------------------
# Driver.

def mpq_figure(mpq, mode, batch, threads, seconds):
    out = subprocess.run([mpq, "bench", mode, "--batch", str(batch), "--threads", str(threads),
                          "--seconds", str(seconds), "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"steady_vs_pytorch: mpq bench {mode} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)["images_per_second"]


def spread(values):
    return statistics.median(values), min(values), max(values)


def driver(args):
    variants = args.variants.split(",")
    for v in variants:
        if v not in ("nchw", "nchw+ftz", "channels_last", "channels_last+ftz"):
            sys.exit(f"steady_vs_pytorch: --variants: unknown variant '{v}'")
    layouts = sorted({v.split("+")[0] for v in variants})
    threads = [int(t) for t in args.threads.split(",")]
    figures = [("train", b, t) for b in (int(x) for x in args.batches.split(",")) for t in threads]
    figures += [("infer", int(args.infer_batch), t) for t in threads]
    log = lambda *a: print(*a, file=sys.stderr, flush=True)

    log(f"load average before: {open('/proc/loadavg').read().split()[:3]}")
    # The workers warm up at the same time (untimed), which saves minutes on a busy machine.
    workers, startup = {}, {}
    log(f"starting the PyTorch worker(s) {layouts}: eval pass + {args.warmup} warm-up steps at batch 64, "
        f"{max(threads)} threads (untimed)")
    for layout in layouts:
        workers[layout] = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", "--layout", layout, "--data", args.data,
             "--warmup", str(args.warmup), "--warmup-config", str(args.warmup_config), "--threads", str(max(threads))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for layout, p in workers.items():
        line = p.stdout.readline()
        if not line:
            sys.exit(f"steady_vs_pytorch: the PyTorch {layout} worker died")
        startup[layout] = json.loads(line)
        log(f"  {layout}: img/s every 25 warm-up steps: {startup[layout]['warmup_trace_img_s']}")

    def torch_figure(variant, mode, batch, t):
        p = workers[variant.split("+")[0]]
        p.stdin.write(json.dumps({"mode": mode, "batch": batch, "threads": t, "seconds": args.seconds,
                                  "ftz": variant.endswith("+ftz")}) + "\n")
        p.stdin.flush()
        line = p.stdout.readline()
        if not line:
            sys.exit(f"steady_vs_pytorch: the PyTorch worker for {variant} died")
        return json.loads(line)["images_per_second"]

    results = {f: {s: [] for s in ["mpq"] + variants} for f in figures}
    for r in range(args.rounds):
        log(f"round {r + 1}/{args.rounds}, load {open('/proc/loadavg').read().split()[0]}")
        for f in figures:
            order = ["mpq"] + variants
            if r % 2:
                order.reverse()
            for side in order:
                v = (mpq_figure(args.mpq, *f, args.seconds) if side == "mpq" else torch_figure(side, *f))
                results[f][side].append(v)
        if args.save:  # after every round, so that an interrupted run keeps its figures
            with open(args.save, "w") as out:
                json.dump({"startup": startup, "rounds_done": r + 1,
                           "figures": [{"mode": m, "batch": b, "threads": t, "img_s": results[(m, b, t)]}
                                       for (m, b, t) in figures]}, out, indent=1)
    for p in workers.values():
        p.stdin.close()
        p.wait()

    import torch
    report = {"model": "mobilenet_v1 w0.25 1x32x32 c10", "torch": torch.__version__, "rounds": args.rounds,
              "seconds_per_window": args.seconds, "warmup_steps": args.warmup,
              "warmup_steps_per_config": args.warmup_config, "cores": os.cpu_count(),
              "loadavg_after": open("/proc/loadavg").read().split()[:3], "startup": startup,
              "figures": [{"mode": m, "batch": b, "threads": t, "img_s": results[(m, b, t)]}
                          for (m, b, t) in figures]}
    if args.save:
        with open(args.save, "w") as f:
            json.dump(report, f, indent=1)
    print(f"mobilenet_v1 w0.25 1x32x32, torch {torch.__version__}, {args.rounds} rounds of {args.seconds} s "
          f"windows, load after {' '.join(report['loadavg_after'])} on {os.cpu_count()} cores")
    print("img/s median [min-max over rounds]; ratio = median mpq / median torch [min-max of per-round ratios]")
    head = f"{'figure':<12}{'thr':>4}  {'mpq':>22}" + "".join(f"  {v:>36}" for v in variants)
    print(head)
    for (m, b, t) in figures:
        mq = results[(m, b, t)]["mpq"]
        med, lo, hi = spread(mq)
        row = f"{m + ' b' + str(b):<12}{t:>4}  {f'{med:.0f} [{lo:.0f}-{hi:.0f}]':>22}"
        for v in variants:
            tv = results[(m, b, t)][v]
            tm, tlo, thi = spread(tv)
            ratios = [a / c for a, c in zip(mq, tv)]
            row += f"  {f'{tm:.0f} [{tlo:.0f}-{thi:.0f}] {med / tm:.2f}x [{min(ratios):.2f}-{max(ratios):.2f}]':>36}"
        print(row)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--layout", default="nchw", help=argparse.SUPPRESS)
    ap.add_argument("--mpq", default=os.path.join(HERE, "..", "build", "apps", "mpq", "mpq"))
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=4.0, help="timed window per figure and side")
    ap.add_argument("--warmup", type=int, default=300, help="untimed training steps when a PyTorch process starts")
    ap.add_argument("--warmup-config", type=int, default=50,
                    help="untimed steps before a PyTorch process's first window of each batch/threads")
    ap.add_argument("--batches", default="64,256", help="training batch sizes")
    ap.add_argument("--infer-batch", default="256")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--variants", default="nchw,channels_last,channels_last+ftz",
                    help="PyTorch variants: nchw, channels_last, each optionally +ftz (torch.set_flush_denormal)")
    ap.add_argument("--save", help="also write every round's figures as JSON to this file")
    args = ap.parse_args()
    if args.worker:
        args.threads = int(args.threads)
        return worker(args)
    return driver(args)


if __name__ == "__main__":
    sys.exit(main())
