#!/usr/bin/python3
"""Writes the PyTorch-equivalence fixtures of tests/io (committed in tests/fixtures/torch/).

For each model: build it in PyTorch with random weights (fixed seed) at a small width and
class count, make BN non-trivial (random gamma / beta, running statistics measured on
random images, so eval-mode BN neither is the identity nor blows activations up), save the
weights as safetensors (torchvision's state_dict names and layouts, metadata
{"format": "pt"} as safetensors.torch writes it), run a fixed input in
eval mode and save the input (NCHW), the logits, and the logits of the same network run
in float64 (to tell float32 rounding from real differences) as a second safetensors
file whose metadata names the model as `mpq import` takes it.

Storage types: mobilenet_v1 in F32 (tests/io checks that `export-weights` reproduces the
file byte for byte), mobilenet_v2 in F16 and mnasnet in BF16, which keeps the fixtures
small and exercises the converting reader. The half-precision models compute in float32
with the weights rounded to their storage type, so both sides see the same numbers.

usage: /usr/bin/python3 tests/tools/make_torch_fixtures.py [--out DIR]
Deterministic: re-running it with the same torch version rewrites identical files.
"""

import argparse
import copy
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import mpq_torch  # noqa: E402

# name, arch, width, input CxHxW, classes, stem, storage dtype, seed
FIXTURES = [
    ("mobilenet_v1", "mobilenet_v1", 0.0625, (1, 32, 32), 10, "small", torch.float32, 1),
    ("mobilenet_v2", "mobilenet_v2", 0.1, (3, 40, 40), 4, "imagenet", torch.float16, 2),
    ("mnasnet", "mnasnet", 0.1, (3, 32, 32), 4, "small", torch.bfloat16, 3),
]
BATCH = 2
CALIBRATION_IMAGES = 16


def randomize(model, in_shape, seed):
    """Random BN affine parameters and a wider classifier, then running statistics
    measured in one training-mode pass over random images (cumulative average)."""
    gen = torch.Generator().manual_seed(seed + 1000)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.copy_(torch.rand(module.weight.shape, generator=gen) + 0.5)
                module.bias.copy_(torch.rand(module.bias.shape, generator=gen) - 0.5)
                module.momentum = None
                module.reset_running_stats()
            elif isinstance(module, torch.nn.Linear):
                std = module.in_features ** -0.5
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) * std)
                module.bias.copy_(torch.randn(module.bias.shape, generator=gen) * 0.1)
        model.train()
        model(torch.randn((CALIBRATION_IMAGES,) + in_shape, generator=gen))
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.momentum = 0.1
                # What a freshly built torchvision model has, and what mpq export-weights
                # writes (libmpq keeps no counter), so exported files can match byte for byte.
                module.num_batches_tracked.zero_()
    model.eval()


def round_to_storage(model, dtype):
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.to(dtype).to(torch.float32))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "fixtures", "torch"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    for name, arch, width, in_shape, classes, stem, dtype, seed in FIXTURES:
        torch.manual_seed(seed)
        model = mpq_torch.build_model(arch, width, in_shape[0], classes, small_input=(stem == "small"))
        randomize(model, in_shape, seed)
        round_to_storage(model, dtype)
        weights = [(k, v.to(dtype) if v.is_floating_point() else v) for k, v in model.state_dict().items()]
        weights_path = os.path.join(args.out, name + ".safetensors")
        mpq_torch.save_safetensors(weights_path, weights, {"format": "pt"})

        images = torch.randn((BATCH,) + in_shape, generator=torch.Generator().manual_seed(seed + 2000))
        with torch.no_grad():
            logits = model(images)
            # The same network in float64: how far float32 itself is from exact.
            logits_f64 = copy.deepcopy(model).double()(images.double())
        meta = {"model": arch, "width": repr(width), "input": "x".join(map(str, in_shape)),
                "classes": str(classes), "stem": stem, "torch": torch.__version__}
        io_path = os.path.join(args.out, name + ".io.safetensors")
        mpq_torch.save_safetensors(io_path, [("input", images), ("logits", logits), ("logits_f64", logits_f64)],
                                  meta)
        print(f"{name}: {os.path.getsize(weights_path)} B weights ({str(dtype)[6:]}), "
              f"logits max |x| {logits.abs().max().item():.3f}, input NCHW {tuple(images.shape)}")


if __name__ == "__main__":
    main()
