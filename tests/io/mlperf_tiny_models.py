"""MLPerf Tiny's reference models restated in PyTorch, for the ONNX import's fixtures
(make_onnx_fixtures.py), the measurements of docs/results.md and docs/byo-model.md.

The references are Keras models (MLPerf Tiny's benchmark/training folder): layer for layer
the same convolutions, batch norms, activations, pools and classifiers. ResNet-8 and
MobileNetV1 keep Keras' default biases on convolutions and dense layers (a bias before a
batch norm changes nothing but the exported graph); DS-CNN's convolutions have none.
One deliberate difference: Keras' SAME padding of a stride-2 3x3 convolution on an even
input pads 0 rows and columns before and 1 after; here such convolutions pad 1 on every
side, as PyTorch ports of these models do. Shapes, weights and MACs are the same;
the alignment of the strided window differs by one pixel. The integer kernels on main run
only windows padded equally on every side, and these fixtures go through the integer
pipeline. DS-CNN keeps its Keras padding (its stem is a 10x4 window anyway).
Softmax is left out: the graphs end in logits.
"""
import torch
import torch.nn as nn


def conv_bn_relu(in_channels, out_channels, kernel, stride=1, groups=1, relu=True):
    layers = [nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, groups=groups),
              nn.BatchNorm2d(out_channels)]
    return nn.Sequential(*(layers + [nn.ReLU()] if relu else layers))


class ResidualStack(nn.Module):
    """Two 3x3 conv+BN (ReLU between), added to the stack's input (through a strided 1x1
    conv without BN when the stack halves the map), then ReLU."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.body = nn.Sequential(conv_bn_relu(in_channels, out_channels, 3, stride),
                                  conv_bn_relu(out_channels, out_channels, 3, relu=False))
        self.shortcut = nn.Identity() if stride == 1 else nn.Conv2d(in_channels, out_channels, 1, stride)

    def forward(self, x):
        return torch.relu(self.shortcut(x) + self.body(x))


class ResNet8(nn.Module):
    """Image classification (CIFAR-10, 3x32x32, 10 classes): MLPerf Tiny v0.5's ResNet-8
    with 16/32/64 filters: a 3x3 conv stem, three residual stacks (the last two stride 2),
    an 8x8 average pool and a dense layer (78,186 parameters, 12.5 M MACs; later versions of
    the reference's keras_model.py default to 26 filters). `in_channels` 1 gives the
    Fashion-MNIST variant."""

    def __init__(self, in_channels=3, classes=10):
        super().__init__()
        self.stem = conv_bn_relu(in_channels, 16, 3)
        self.stacks = nn.Sequential(ResidualStack(16, 16, 1), ResidualStack(16, 32, 2), ResidualStack(32, 64, 2))
        self.pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stacks(self.stem(x))), 1))


class VwwMobileNetV1(nn.Module):
    """Visual wake words (3x96x96, person or not): MobileNetV1 at width 0.25 (8 filters in
    the stem), 13 depthwise-separable blocks with ReLU, a 3x3 average pool over the final
    3x3 map, and a dense layer to 2 classes."""

    # (pointwise filters, depthwise stride) of each block.
    BLOCKS = [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2)] + [(128, 1)] * 5 + [(256, 2), (256, 1)]

    def __init__(self, classes=2):
        super().__init__()
        layers = [conv_bn_relu(3, 8, 3, 2)]
        channels = 8
        for filters, stride in self.BLOCKS:
            layers += [conv_bn_relu(channels, channels, 3, stride, groups=channels), conv_bn_relu(channels, filters, 1)]
            channels = filters
        self.features = nn.Sequential(*layers)
        self.pool = nn.AvgPool2d(3)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class DsCnn(nn.Module):
    """Keyword spotting (1x49x10 MFCC features, 12 classes): DS-CNN with 64 filters, a 10x4
    conv with stride 2 and Keras' SAME padding (4 rows above, 5 below, 1 column each side,
    as a ZeroPad2d), four depthwise-separable blocks, and a 25x5 average pool."""

    def __init__(self):
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 1, 4, 5))
        self.stem = nn.Sequential(nn.Conv2d(1, 64, (10, 4), 2, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        blocks = []
        for _ in range(4):
            blocks += [nn.Conv2d(64, 64, 3, 1, 1, groups=64, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                       nn.Conv2d(64, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AvgPool2d((25, 5))
        self.fc = nn.Linear(64, 12)

    def forward(self, x):
        x = self.blocks(self.stem(self.pad(x)))
        return self.fc(torch.flatten(self.pool(x), 1))
