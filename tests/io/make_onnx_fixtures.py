#!/usr/bin/env python3
"""Writes the ONNX fixtures of tests/io/test_onnx_import.cpp into the folder given: small
CNNs built in PyTorch and exported with torch.onnx.export, each with PyTorch's logits for
fixed inputs, and a few models mpq import must refuse.

MLPerf Tiny's reference models are here as PyTorch re-statements (mlperf_tiny_models.py),
with torchvision's mobilenet_v2.

For each model NAME: NAME.onnx and NAME.json = {"input": [C, H, W], "classes": K,
"images": [[C*H*W floats, NCHW], ...], "logits": [[K floats], ...]}; and image.pgm, a
32x32 grey image.
Exit status 3 when torch, torchvision or onnx cannot be imported (the test then skips).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import onnx  # noqa: F401  (torch.onnx.export needs it)
    import torchvision
    import mlperf_tiny_models
except ImportError as e:
    print("make_onnx_fixtures: %s" % e, file=sys.stderr)
    sys.exit(3)


def randomize_batch_norms(model):
    # Non-trivial statistics, so that a BN mapped wrongly changes the logits.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)


class ResidualDepthwise(nn.Module):
    """Conv+BN+ReLU stem, a depthwise (ReLU6) + pointwise block with a residual add, a
    strided conv, global pooling, Flatten and Linear: what the integer pipeline runs today
    (the CLI test takes it through finetune, export and run)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.pw = nn.Sequential(nn.Conv2d(8, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.down = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.pw(self.dw(x))
        x = self.down(x)
        return self.fc(torch.flatten(self.gap(x), 1))


class PaddedPools(nn.Module):
    """Conv with bias, MaxPool, AvgPools (opset 11 exports each as a zero Pad and an AveragePool;
    one padded, one padded without counting the padding), clamp(0, 6) (Clip with inputs),
    Dropout, and an AvgPool over the whole map."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, 1, 1, bias=True)
        self.max = nn.MaxPool2d(3, 1, padding=1)
        self.pool1 = nn.AvgPool2d(3, 2, padding=1)
        self.pool2 = nn.AvgPool2d(3, 1, padding=1, count_include_pad=False)
        self.conv2 = nn.Conv2d(8, 12, 3, 1, 0, bias=True)  # 16x16 -> 14x14
        self.drop = nn.Dropout(0.5)
        self.pool3 = nn.AvgPool2d(14)
        self.fc = nn.Linear(12, 10)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = self.pool2(self.pool1(self.max(x)))
        x = torch.clamp(self.conv2(x), 0, 6)
        x = self.pool3(self.drop(x))
        return self.fc(torch.flatten(x, 1))


class MatMulHead(nn.Module):
    """A 5x5 conv with BN and ReLU6, global pooling, and a MatMul + Add classifier."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2, 4, 5, 1, 2, bias=False), nn.BatchNorm2d(4), nn.ReLU6())
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.w = nn.Parameter(torch.randn(4, 4) * 0.5)
        self.b = nn.Parameter(torch.randn(4) * 0.1)

    def forward(self, x):
        return torch.flatten(self.gap(self.conv(x)), 1) @ self.w + self.b


class ZeroPadView(nn.Module):
    """nn.ZeroPad2d before a conv and an AvgPool2d (exported as computed pads: Concat,
    Slice, Transpose, ...) and x.view(x.size(0), -1) (Shape, Gather, Unsqueeze, Concat)."""

    def __init__(self):
        super().__init__()
        self.pad = nn.ZeroPad2d(1)
        self.conv = nn.Conv2d(3, 6, 3, 1, 0, bias=True)
        self.pool = nn.AvgPool2d(3, 2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = F.relu(self.conv(self.pad(x)))
        x = self.gap(self.pool(self.pad(x)))
        return self.fc(x.view(x.size(0), -1))


class Unsupported(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.conv = nn.Conv2d(1, 4, 3, 1, 2 if kind == "dilated" else 1, dilation=2 if kind == "dilated" else 1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = self.conv(x)
        x = torch.sigmoid(x) if self.kind == "sigmoid" else F.relu(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def amplify_logits(model):
    # Logits of about 1 to 10 rather than PyTorch's initial 0.1, so that the tests' 1e-4
    # (relative to the logit, absolute below 1) is relative for these models.
    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        last.weight.mul_(30)
        last.bias.mul_(30)
    return model


def export(model, name, shape, opset, out_dir, images=3):
    model.eval()
    x = torch.randn(images, *shape)
    path = os.path.join(out_dir, name + ".onnx")
    # PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the convs), so
    # that the import's trainable BN is exercised.
    torch.onnx.export(model, x[:1], path, opset_version=opset, input_names=["image"], output_names=["logits"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True,
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    with torch.no_grad():
        logits = model(x)
    record = {"input": list(shape), "classes": int(logits.shape[1]),
              "images": x.reshape(images, -1).tolist(), "logits": logits.tolist()}
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(record, f)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(14)
    tiny = mlperf_tiny_models
    for name, model, shape, opset in [("residual_depthwise", ResidualDepthwise(), (1, 32, 32), 13),
                                      ("padded_pools", PaddedPools(), (1, 32, 32), 11),
                                      ("matmul_head", MatMulHead(), (2, 12, 12), 17),
                                      ("zero_pad_view", ZeroPadView(), (3, 10, 10), 13),
                                      ("ds_cnn", tiny.DsCnn(), (1, 49, 10), 13),
                                      ("resnet8", amplify_logits(tiny.ResNet8(3)), (3, 32, 32), 13),
                                      ("resnet8_fmnist", amplify_logits(tiny.ResNet8(1)), (1, 32, 32), 13),
                                      ("vww_mobilenet_v1", amplify_logits(tiny.VwwMobileNetV1()), (3, 96, 96), 13)]:
        randomize_batch_norms(model)
        export(model, name, shape, opset, out_dir)
    # torchvision's own definition, 1000 classes; at 3x96x96 rather than 224x224 to keep
    # the test short (the network is fully convolutional up to its global pooling).
    mobilenet_v2 = amplify_logits(torchvision.models.mobilenet_v2())
    randomize_batch_norms(mobilenet_v2)
    export(mobilenet_v2, "mobilenet_v2", (3, 96, 96), 13, out_dir, images=2)
    for kind in ["sigmoid", "dilated"]:
        export(Unsupported(kind), kind, (1, 8, 8), 13, out_dir, images=1)
    write_pad_value(out_dir)
    # A 32x32 grey image for `mpq run` on the imported residual_depthwise (binary PGM).
    with open(os.path.join(out_dir, "image.pgm"), "wb") as f:
        f.write(b"P5\n32 32\n255\n" + bytes((7 * i) % 256 for i in range(32 * 32)))


def write_pad_value(out_dir):
    # A Pad of ones before a conv, written with onnx.helper: torch exports F.pad through a
    # computed pads tensor, which the import refuses before reaching the Pad.
    from onnx import TensorProto, helper
    import numpy as np
    nodes = [helper.make_node("Pad", ["image", "pads", "one"], ["padded"], name="pad_ones"),
             helper.make_node("Conv", ["padded", "w"], ["conv"], name="conv", kernel_shape=[3, 3]),
             helper.make_node("GlobalAveragePool", ["conv"], ["pooled"], name="gap"),
             helper.make_node("Flatten", ["pooled"], ["logits"], name="flatten")]
    inits = [helper.make_tensor("pads", TensorProto.INT64, [8], [0, 0, 1, 1, 0, 0, 1, 1]),
             helper.make_tensor("one", TensorProto.FLOAT, [], [1.0]),
             helper.make_tensor("w", TensorProto.FLOAT, [3, 1, 3, 3], np.ones(27, dtype=np.float32).tolist())]
    graph = helper.make_graph(nodes, "pad_value", [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                                                                 [1, 1, 8, 8])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, os.path.join(out_dir, "pad_value.onnx"))


if __name__ == "__main__":
    main()
