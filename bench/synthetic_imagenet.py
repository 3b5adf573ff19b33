#!/usr/bin/python3
"""Writes a synthetic folder shaped like ImageNet's for `mpq --data DIR`.

DIR/train/<class>/*.{jpg,png,bmp} and DIR/val/<class>/..., one folder per class named
like ImageNet's synsets (n00000000, n00000001, ...). Every image has its own size
(width and height drawn from --min-size..--max-size, so the reader's resize of the
shorter side and its center / random crop both do work) and shows its class as a
colour and a stripe pattern plus noise, so a network could learn it. Mostly JPEG, about
one image in 29 PNG and one in 53 BMP, so each decoder is exercised.

Needs numpy and PIL (Debian: python3-numpy python3-pil). Deterministic for a --seed.

  /usr/bin/python3 bench/synthetic_imagenet.py --out /tmp/inet --classes 1000 --train 2 --val 1
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image


def image_for(cls, classes, rng, min_size, max_size):
    h = int(rng.integers(min_size, max_size + 1))
    w = int(rng.integers(min_size, max_size + 1))
    hue = cls / max(classes, 1)
    base = np.array([0.5 + 0.5 * np.cos(2 * np.pi * (hue + k / 3)) for k in range(3)], dtype=np.float32)
    freq = 2 + (cls * 7) % 13          # stripes across the image
    angle = (cls * 37 % 180) * np.pi / 180
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = (np.cos(angle) * xx / w + np.sin(angle) * yy / h) * freq * 2 * np.pi
    stripes = 0.5 + 0.5 * np.sin(phase)
    img = base[None, None, :] * (0.4 + 0.6 * stripes[:, :, None])
    img += rng.normal(0.0, 0.03, size=img.shape).astype(np.float32)
    return Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8), "RGB")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder to write (train/ and val/ inside)")
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--train", type=int, default=2, help="training images per class")
    ap.add_argument("--val", type=int, default=1, help="val/ (test split) images per class")
    ap.add_argument("--min-size", type=int, default=256)
    ap.add_argument("--max-size", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.classes < 1 or args.train < 0 or args.val < 0 or not 1 <= args.min_size <= args.max_size:
        sys.exit("synthetic_imagenet.py: bad sizes")
    rng = np.random.default_rng(args.seed)
    n = 0
    total_bytes = 0
    for split, per_class in (("train", args.train), ("val", args.val)):
        for c in range(args.classes):
            d = os.path.join(args.out, split, f"n{c:08d}")
            os.makedirs(d, exist_ok=True)
            for i in range(per_class):
                img = image_for(c, args.classes, rng, args.min_size, args.max_size)
                ext = "png" if n % 29 == 3 else "bmp" if n % 53 == 5 else "jpg"
                path = os.path.join(d, f"{split}_{c}_{i}.{ext}")
                if ext == "jpg":
                    img.save(path, quality=85)
                else:
                    img.save(path)
                total_bytes += os.path.getsize(path)
                n += 1
    print(f"{args.out}: {args.classes} classes, {args.train} train + {args.val} val images per class "
          f"({n} images, {total_bytes / 1e6:.1f} MB), sizes {args.min_size}..{args.max_size} px")


if __name__ == "__main__":
    main()
