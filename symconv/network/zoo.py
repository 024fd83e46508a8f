"""Reference networks built from symconv layers, with torchvision's architectures.

These follow the layer lists of torchvision's ``vgg16``, ``alexnet``,
``resnet18`` and ``resnet50`` (ResNet v1.5: the stride sits in the 3x3 conv of
a bottleneck).  Channel counts are numbers; the input size can be symbolic.

Examples
--------
>>> import symconv
>>> r = symconv.analyze(vgg16(), (3, 224, 224))
>>> r.total.params
138357544
"""

from __future__ import annotations

from collections import OrderedDict

import symconv.layers as L
from symconv.network.containers import Residual, Sequential

VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                512, 512, 512, "M")


def vgg_features(config: tuple = VGG16_CONFIG, in_channels: int = 3) -> Sequential:
    """Conv3x3(pad 1) + ReLU for each number, MaxPool2d(2) for each ``"M"``."""
    layers: list = []
    for item in config:
        if item == "M":
            layers.append(L.MaxPool2d(2, 2))
        else:
            layers += [L.Conv2d(in_channels, item, 3, padding=1), L.ReLU(inplace=True)]
            in_channels = item
    return Sequential(*layers)


def vgg16(num_classes: int = 1000) -> Sequential:
    """VGG-16 (configuration D) with torchvision's 7x7 adaptive pooling and classifier."""
    classifier = Sequential(
        L.Linear(512 * 7 * 7, 4096), L.ReLU(True), L.Dropout(),
        L.Linear(4096, 4096), L.ReLU(True), L.Dropout(),
        L.Linear(4096, num_classes),
    )
    return Sequential(OrderedDict(features=vgg_features(), avgpool=L.AdaptiveAvgPool2d((7, 7)),
                                  flatten=L.Flatten(), classifier=classifier))


def alexnet(num_classes: int = 1000) -> Sequential:
    """AlexNet as in torchvision (one-GPU variant, 64-192-384-256-256 channels)."""
    features = Sequential(
        L.Conv2d(3, 64, 11, stride=4, padding=2), L.ReLU(True), L.MaxPool2d(3, 2),
        L.Conv2d(64, 192, 5, padding=2), L.ReLU(True), L.MaxPool2d(3, 2),
        L.Conv2d(192, 384, 3, padding=1), L.ReLU(True),
        L.Conv2d(384, 256, 3, padding=1), L.ReLU(True),
        L.Conv2d(256, 256, 3, padding=1), L.ReLU(True), L.MaxPool2d(3, 2),
    )
    classifier = Sequential(
        L.Dropout(), L.Linear(256 * 6 * 6, 4096), L.ReLU(True),
        L.Dropout(), L.Linear(4096, 4096), L.ReLU(True), L.Linear(4096, num_classes),
    )
    return Sequential(OrderedDict(features=features, avgpool=L.AdaptiveAvgPool2d((6, 6)),
                                  flatten=L.Flatten(), classifier=classifier))


def _conv_bn(cin: int, cout: int, k: int, stride: int = 1) -> list:
    return [L.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False), L.BatchNorm2d(cout)]


def basic_block(cin: int, cout: int, stride: int = 1) -> Sequential:
    """ResNet basic block: 3x3, 3x3, identity or 1x1 projection shortcut, then ReLU."""
    body = Sequential(*_conv_bn(cin, cout, 3, stride), L.ReLU(True), *_conv_bn(cout, cout, 3))
    shortcut = Sequential(*_conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout else None
    return Sequential(Residual(body, shortcut), L.ReLU(True))


def bottleneck(cin: int, width: int, stride: int = 1, expansion: int = 4) -> Sequential:
    """ResNet v1.5 bottleneck: 1x1, 3x3 (strided), 1x1 expanding, projection when needed."""
    cout = width * expansion
    body = Sequential(*_conv_bn(cin, width, 1), L.ReLU(True), *_conv_bn(width, width, 3, stride),
                      L.ReLU(True), *_conv_bn(width, cout, 1))
    shortcut = Sequential(*_conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout else None
    return Sequential(Residual(body, shortcut), L.ReLU(True))


def resnet(blocks: tuple[int, ...], bottlenecks: bool, num_classes: int = 1000) -> Sequential:
    """A torchvision-style ResNet with ``blocks`` blocks per stage."""
    stem = [*_conv_bn(3, 64, 7, 2), L.ReLU(True), L.MaxPool2d(3, 2, 1)]
    stages: list = []
    cin = 64
    for stage, count in enumerate(blocks):
        width = 64 * 2**stage
        for b in range(count):
            stride = 2 if stage > 0 and b == 0 else 1
            if bottlenecks:
                stages.append(bottleneck(cin, width, stride))
                cin = width * 4
            else:
                stages.append(basic_block(cin, width, stride))
                cin = width
    return Sequential(OrderedDict(
        stem=Sequential(*stem), stages=Sequential(*stages), avgpool=L.AdaptiveAvgPool2d(1),
        flatten=L.Flatten(), fc=L.Linear(cin, num_classes)))


def resnet18(num_classes: int = 1000) -> Sequential:
    """ResNet-18: basic blocks (2, 2, 2, 2)."""
    return resnet((2, 2, 2, 2), bottlenecks=False, num_classes=num_classes)


def resnet50(num_classes: int = 1000) -> Sequential:
    """ResNet-50: bottleneck blocks (3, 4, 6, 3)."""
    return resnet((3, 4, 6, 3), bottlenecks=True, num_classes=num_classes)
