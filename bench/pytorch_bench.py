#!/usr/bin/python3
"""PyTorch (CPU) half of bench/train_vs_pytorch.sh.

Builds the same network `mpq` builds (tools/mpq_torch.py: MobileNetV1 by hand, MobileNetV2
and MNasNet from torchvision with the stem adjusted to match libmpq; dropout removed here)
and measures it with the timing protocol of `mpq bench` (apps/mpq/cmd_bench.cpp):

  train  forward (BN in training mode) + mean cross-entropy + backward + SGD step
         (lr 0.01, Nesterov momentum 0.9, weight decay 1e-4 on conv/linear weights only,
         as libmpq does), random N(0,1) images and random labels; 2 untimed warm-up
         steps, then at least 3 steps and at least --seconds seconds.
  infer  eval mode under torch.inference_mode(): batch 1 (3 warm-up, >= 10 runs) and
         batch N (2 warm-up, >= 3 runs), each for at least --seconds seconds.
  info   parameter count and MACs (convs + linear, multiply-accumulates per image, the
         way `mpq info` counts them); with --mpq-info FILE, also compares every conv,
         batchnorm and linear layer by name against `mpq info --json` output and exits 2
         on any difference.

Prints one JSON object on stdout. Use Debian's interpreter (/usr/bin/python3), which is the
one with python3-torch installed.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
try:
    import torch
    from torch import nn
    import torch.nn.functional as F
    import mpq_torch  # tools/mpq_torch.py: the models with libmpq's layer names
except ImportError as e:  # pragma: no cover - reported to the user by the shell script too
    sys.exit(f"pytorch_bench.py: cannot import torch ({e}); install python3-torch "
             f"(apt-get install -y python3-torch python3-torchvision) and run with /usr/bin/python3")


# ---------------------------------------------------------------------------------------
# Models, with module names equal to libmpq's layer names (see `mpq info`): the ones that
# tools/mpq_torch.py builds for import/export, without dropout.

def build_model(name, width, in_channels, classes, small_input):
    try:
        m = mpq_torch.build_model(name, width, in_channels, classes, small_input)
    except ValueError as e:
        sys.exit(f"pytorch_bench.py: {e}")
    if name != "mobilenet_v1":
        m.classifier[0] = nn.Identity()  # libmpq has no dropout layer (identity at eval)
    return m


# ---------------------------------------------------------------------------------------
# Architecture description comparable to `mpq info --json`.

def describe(model, in_shape):
    """Per-layer params / MACs / output shape (HxWxC, as mpq prints) for conv, BN, linear."""
    layers, hooks = {}, []

    def hook(name):
        def record(module, inputs, output):
            params = sum(p.numel() for p in module.parameters(recurse=False))
            if isinstance(module, nn.Conv2d):
                kh, kw = module.kernel_size
                macs = output[0].numel() * (module.in_channels // module.groups) * kh * kw
                kind = "conv"
            elif isinstance(module, nn.Linear):
                macs, kind = module.in_features * module.out_features, "linear"
            else:
                macs, kind = 0, "batchnorm"
            shape = list(output.shape[1:])
            out = "x".join(str(s) for s in (shape[1:] + shape[:1] if len(shape) == 3 else shape))
            layers[name] = {"kind": kind, "params": params, "macs": macs, "output": out}
        return record

    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear, nn.BatchNorm2d)):
            hooks.append(module.register_forward_hook(hook(name)))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *in_shape))
    for h in hooks:
        h.remove()
    return layers


def compare_with_mpq(layers, mpq_info_path):
    """Returns a list of differences between our layers and `mpq info --json` output."""
    with open(mpq_info_path) as f:
        theirs = {l["name"]: l for l in json.load(f)["layers"]
                  if l["kind"] in ("conv", "linear", "batchnorm")}
    diffs = []
    for name in sorted(set(theirs) | set(layers)):
        a, b = theirs.get(name), layers.get(name)
        if a is None or b is None:
            diffs.append(f"{name}: only in {'torch' if a is None else 'mpq'}")
            continue
        for key in ("kind", "params", "macs", "output"):
            if a[key] != b[key]:
                diffs.append(f"{name}: {key} mpq {a[key]} vs torch {b[key]}")
    return diffs


# ---------------------------------------------------------------------------------------
# Timing, mirroring time_per_iteration() in apps/mpq/cmd_bench.cpp.

def time_per_iteration(step, min_seconds, min_iters, warmup):
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    iters = 0
    while iters < min_iters or time.perf_counter() - start < min_seconds:
        step()
        iters += 1
    return (time.perf_counter() - start) / iters


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["train", "infer", "info"])
    ap.add_argument("--model", default="mobilenet_v1")
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--input", default="1x32x32", help="CxHxW")
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--stem", choices=["auto", "small", "imagenet"], default="auto",
                    help="stem stride 1 ('small') or 2; 'auto' = small below 100 px, as mpq")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0 = all cores)")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--layout", choices=["nchw", "channels_last"], default="nchw")
    ap.add_argument("--mpq-info", help="`mpq info --json` output to compare the architecture with")
    args = ap.parse_args()

    try:
        c, h, w = (int(v) for v in args.input.split("x"))
    except ValueError:
        sys.exit(f"pytorch_bench.py: --input: expected CxHxW, got '{args.input}'")
    small = (h < 100 or w < 100) if args.stem == "auto" else args.stem == "small"
    threads = args.threads if args.threads > 0 else (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    torch.manual_seed(7)

    model = build_model(args.model, args.width, c, args.classes, small)
    out = {"model": args.model, "width": args.width, "input": args.input, "classes": args.classes,
           "small_input": small, "mode": args.mode, "threads": torch.get_num_threads(),
           "torch": torch.__version__, "layout": args.layout}

    if args.mode == "info":
        layers = describe(model, (c, h, w))
        out["params"] = sum(p.numel() for p in model.parameters())
        out["macs"] = sum(l["macs"] for l in layers.values())
        if args.mpq_info:
            out["differences"] = compare_with_mpq(layers, args.mpq_info)
        print(json.dumps(out, indent=2))
        return 2 if out.get("differences") else 0

    fmt = torch.channels_last if args.layout == "channels_last" else torch.contiguous_format
    model = model.to(memory_format=fmt)

    def random_images(n):
        return torch.randn(n, c, h, w).contiguous(memory_format=fmt)

    out["batch"] = args.batch
    if args.mode == "train":
        images = random_images(args.batch)
        labels = torch.randint(0, args.classes, (args.batch,))
        decay = [p for p in model.parameters() if p.dim() > 1]
        no_decay = [p for p in model.parameters() if p.dim() <= 1]
        sgd = torch.optim.SGD([{"params": decay, "weight_decay": 1e-4},
                               {"params": no_decay, "weight_decay": 0.0}],
                              lr=0.01, momentum=0.9, nesterov=True)
        model.train()

        def step():
            loss = F.cross_entropy(model(images), labels)
            sgd.zero_grad()
            loss.backward()
            sgd.step()

        t = time_per_iteration(step, args.seconds, 3, 2)
        out["images_per_second"] = args.batch / t
        out["ms_per_batch"] = 1e3 * t
    else:
        one, many = random_images(1), random_images(args.batch)
        model.eval()
        with torch.inference_mode():
            t1 = time_per_iteration(lambda: model(one), args.seconds, 10, 3)
            tn = time_per_iteration(lambda: model(many), args.seconds, 3, 2)
        out["images_per_second_batch1"] = 1.0 / t1
        out["latency_ms_batch1"] = 1e3 * t1
        out["images_per_second"] = args.batch / tn
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
