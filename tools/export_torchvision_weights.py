#!/usr/bin/python3
"""Writes a network's PyTorch weights as safetensors for `mpq import` (docs/pretrained.md),
or checks that a safetensors file (e.g. from `mpq export-weights`) loads into PyTorch.

  # torchvision's ImageNet weights (downloaded once into ~/.cache/torch, needs internet)
  /usr/bin/python3 tools/export_torchvision_weights.py --model mobilenet_v2 --pretrained --out mobilenet_v2.safetensors
  /usr/bin/python3 tools/export_torchvision_weights.py --model mnasnet --width 1.0 --pretrained --out mnasnet1_0.safetensors
  # the same from a .pth state_dict copied from another machine (no internet needed)
  /usr/bin/python3 tools/export_torchvision_weights.py --model mobilenet_v2 --state-dict mobilenet_v2-7ebf99e0.pth --out m.safetensors
  # random weights of any size (what the tests do)
  /usr/bin/python3 tools/export_torchvision_weights.py --model mobilenet_v1 --width 0.25 --input 1x32x32 --classes 10 --stem small --out v1.safetensors
  # load a file back with strict=True and print the logits of a fixed random input
  /usr/bin/python3 tools/export_torchvision_weights.py --model mobilenet_v2 --check exported.safetensors

--model / --width / --input / --classes / --stem are `mpq import`'s flags with the same
meaning (the names in the output are the ones `mpq import` expects). Pretrained weights exist
for mobilenet_v2 at width 1.0 and mnasnet at widths 0.5, 0.75, 1.0 and 1.3, all for
3x224x224 inputs and 1000 classes; torchvision has no MobileNetV1.
"""

import argparse
import sys

try:
    import torch
except ImportError as e:  # pragma: no cover
    sys.exit(f"export_torchvision_weights.py: cannot import torch ({e}); install python3-torch and "
             f"python3-torchvision and run with /usr/bin/python3")

import mpq_torch

_PRETRAINED = {  # (model, width) -> torchvision weights enum name
    ("mobilenet_v2", 1.0): "MobileNet_V2_Weights",
    ("mnasnet", 0.5): "MNASNet0_5_Weights",
    ("mnasnet", 0.75): "MNASNet0_75_Weights",
    ("mnasnet", 1.0): "MNASNet1_0_Weights",
    ("mnasnet", 1.3): "MNASNet1_3_Weights",
}


def pretrained_weights(model, width, in_shape, classes, stem):
    import torchvision
    name = _PRETRAINED.get((model, width))
    if name is None:
        known = ", ".join(f"{m} --width {w}" for m, w in _PRETRAINED)
        sys.exit(f"export_torchvision_weights.py: torchvision has no pretrained {model} at width {width} "
                 f"(available: {known})")
    if in_shape[0] != 3 or classes != 1000 or stem == "small":
        sys.exit("export_torchvision_weights.py: pretrained weights are for --input 3xHxW, --classes 1000 and "
                 "the ImageNet stem (--stem imagenet)")
    return getattr(torchvision.models, name).DEFAULT


def check_against_mpq(model, args):
    """Every tensor must have the shape the libmpq builder gives it; an old torchvision
    checkpoint loaded with another stem would fail here instead of in `mpq import`."""
    reference = mpq_torch.build_model(args.model, args.width, args.in_shape[0], args.classes,
                                      args.stem == "small").state_dict()
    state = model.state_dict()
    for key, value in reference.items():
        if key not in state or state[key].shape != value.shape:
            sys.exit(f"export_torchvision_weights.py: tensor '{key}' has shape "
                     f"{tuple(state[key].shape) if key in state else 'missing'}, libmpq's {args.model} "
                     f"expects {tuple(value.shape)}")
    extra = sorted(set(state) - set(reference))
    if extra:
        sys.exit(f"export_torchvision_weights.py: unexpected tensor '{extra[0]}'")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=["mobilenet_v1", "mobilenet_v2", "mnasnet"])
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--input", default="3x224x224", help="CxHxW (the stem's input channels matter)")
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--stem", choices=["auto", "small", "imagenet"], default="auto",
                    help="as mpq's --stem: 'auto' is 'small' (stride 1) below 100 pixels")
    source = ap.add_mutually_exclusive_group()
    source.add_argument("--pretrained", action="store_true", help="torchvision's ImageNet weights")
    source.add_argument("--state-dict", metavar="FILE.pth", help="a saved torchvision state_dict")
    source.add_argument("--check", metavar="FILE.safetensors",
                        help="load this file with strict=True and print logits instead of writing")
    ap.add_argument("--seed", type=int, default=0, help="random weights (without --pretrained / --state-dict)")
    ap.add_argument("--out", help="safetensors file to write")
    args = ap.parse_args()
    args.in_shape = tuple(int(v) for v in args.input.split("x"))
    if len(args.in_shape) != 3:
        ap.error(f"--input {args.input}: expected CxHxW")
    if args.stem == "auto":
        args.stem = "small" if min(args.in_shape[1:]) < 100 else "imagenet"
    if not args.check and not args.out:
        ap.error("--out is required (or --check FILE)")

    torch.manual_seed(args.seed)
    model = mpq_torch.build_model(args.model, args.width, args.in_shape[0], args.classes, args.stem == "small")
    if args.pretrained:
        weights = pretrained_weights(args.model, args.width, args.in_shape, args.classes, args.stem)
        try:
            state = weights.get_state_dict(progress=True)
        except OSError as e:  # URLError is an OSError
            sys.exit(f"export_torchvision_weights.py: cannot get {weights.url} ({e}); copy that file from a "
                     f"machine with internet into {torch.hub.get_dir()}/checkpoints/, or pass it as --state-dict")
        model.load_state_dict(state)
    elif args.state_dict:
        state = torch.load(args.state_dict, map_location="cpu")
        metadata = getattr(state, "_metadata", None) or getattr(model.state_dict(), "_metadata", None)
        state = type(state)(state)
        state._metadata = metadata
        model.load_state_dict(state, strict=True)
    elif args.check:
        mpq_torch.load_into(model, args.check)
        model.eval()
        images = torch.randn((2,) + args.in_shape, generator=torch.Generator().manual_seed(args.seed))
        with torch.no_grad():
            logits = model(images)
        print(f"{args.check}: loads into {args.model} with strict=True; logits of 2 random images:")
        print(logits)
        return
    check_against_mpq(model, args)
    mpq_torch.save_safetensors(args.out, model.state_dict().items(), {"format": "pt"})
    print(f"wrote {args.out}: {len(model.state_dict())} tensors; import with\n"
          f"  mpq import --model {args.model} --width {args.width:g} --input {args.input} "
          f"--classes {args.classes} --stem {args.stem} --weights {args.out} --out {args.model}.mpqc")


if __name__ == "__main__":
    main()
