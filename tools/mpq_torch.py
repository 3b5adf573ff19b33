"""PyTorch side of libmpq's weight exchange (docs/pretrained.md).

- save_safetensors / load_safetensors: the safetensors format written the way
  `mpq export-weights` writes it (libmpq/io/safetensors.cpp), byte for byte, so that a
  file made here and the same weights exported by mpq are identical:
    8-byte little-endian header length, then the JSON header with sorted keys and no
    spaces, padded with spaces so that the data starts at a multiple of 8; tensor data in
    the given order, except that wider element types come first (stable), which keeps
    every tensor aligned to its element size.
- build_model: the networks `mpq` builds, with state_dict names equal to libmpq's
  checkpoint names: torchvision's mobilenet_v2 and MNASNet as they are, and MobileNetV1
  (which torchvision lacks) with the naming of docs/models.md.

Runs with Debian's interpreter (/usr/bin/python3, python3-torch + python3-torchvision).
"""

import json
import struct
from collections import OrderedDict

import torch
from torch import nn
import torch.nn.functional as F

# safetensors dtype names of the torch dtypes we read and write.
_DTYPE_NAMES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}
_DTYPES = {name: dtype for dtype, name in _DTYPE_NAMES.items()}
# Same-size integer types to reinterpret types numpy lacks (bfloat16) as raw bytes.
_RAW_VIEW = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def _tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return t.view(_RAW_VIEW[t.element_size()]).numpy().tobytes()


def encode_safetensors(named_tensors, metadata=None):
    """named_tensors: iterable of (name, tensor) pairs, e.g. state_dict().items()."""
    items = list(named_tensors)
    order = sorted(range(len(items)), key=lambda i: -items[i][1].element_size())  # stable
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for i in order:
        name, t = items[i]
        if t.dtype not in _DTYPE_NAMES:
            raise ValueError(f"tensor '{name}': dtype {t.dtype} has no safetensors name here")
        data = _tensor_bytes(t)
        header[name] = {"dtype": _DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save_safetensors(path, named_tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(encode_safetensors(named_tensors, metadata))


def load_safetensors(path):
    """Returns (OrderedDict name -> tensor in header-key order, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    out = OrderedDict()
    for name, info in header.items():
        dtype = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        size = torch.tensor([], dtype=dtype).element_size()
        raw = torch.frombuffer(bytearray(data[begin:end]), dtype=_RAW_VIEW[size]) if end > begin \
            else torch.empty(0, dtype=_RAW_VIEW[size])
        out[name] = raw.view(dtype).reshape(info["shape"]).clone()
    return out, metadata


def load_into(model, path):
    """Loads a safetensors state_dict into `model` with strict=True. torchvision's MNASNet
    insists on the state_dict's per-module version metadata, which a safetensors file
    does not carry, so it is taken from the model itself."""
    tensors, _ = load_safetensors(path)
    reference = model.state_dict()
    state = OrderedDict((k, v.to(reference[k].dtype) if k in reference else v) for k, v in tensors.items())
    state._metadata = getattr(reference, "_metadata", None)
    model.load_state_dict(state, strict=True)
    return model


# ---------------------------------------------------------------------------------------
# Models with libmpq's names.

def _conv_bn_relu6(cin, cout, k, stride, groups):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU6(inplace=True)]


class MobileNetV1(nn.Module):
    """Howard et al. 2017 as libmpq/nn/mobilenet_v1.cpp builds it. Names (docs/models.md):
    features.0.{0,1,2} stem conv, BN, ReLU6; features.N.{0,1,2} depthwise conv, BN, ReLU6
    and features.N.{3,4,5} pointwise conv, BN, ReLU6 for N = 1..13; classifier (linear)."""

    BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1),
              (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]

    def __init__(self, width=1.0, in_channels=3, classes=1000, small_input=False):
        super().__init__()

        def ch(c):
            return max(8, int(c * width))

        c = ch(32)
        layers = [nn.Sequential(*_conv_bn_relu6(in_channels, c, 3, 1 if small_input else 2, 1))]
        for out, stride in self.BLOCKS:
            layers.append(nn.Sequential(*_conv_bn_relu6(c, c, 3, stride, c),
                                        *_conv_bn_relu6(c, ch(out), 1, 1, 1)))
            c = ch(out)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def _fit_stem(conv, in_channels, small_input):
    """torchvision's stems are 3-channel stride 2; libmpq's --input / --stem may differ."""
    stride = 1 if small_input else 2
    if conv.in_channels == in_channels:
        conv.stride = (stride, stride)  # keeps (pretrained) weights
        return conv
    return nn.Conv2d(in_channels, conv.out_channels, conv.kernel_size, stride, conv.padding, bias=False)


def build_model(arch, width=1.0, in_channels=3, classes=1000, small_input=False):
    """The network `mpq` builds for --model arch --width --input in_channels x H x W
    --classes --stem (small_input: stem stride 1), with fresh random weights."""
    import torchvision
    if arch == "mobilenet_v1":
        return MobileNetV1(width, in_channels, classes, small_input)
    if arch == "mobilenet_v2":
        m = torchvision.models.mobilenet_v2(width_mult=width, num_classes=classes)
        m.features[0][0] = _fit_stem(m.features[0][0], in_channels, small_input)
        return m
    if arch == "mnasnet":
        m = torchvision.models.MNASNet(alpha=width, num_classes=classes)
        m.layers[0] = _fit_stem(m.layers[0], in_channels, small_input)
        return m
    raise ValueError(f"unknown model '{arch}' (mobilenet_v1, mobilenet_v2, mnasnet)")
