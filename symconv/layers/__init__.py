"""Layer classes mirroring ``torch.nn``: names and arguments as in PyTorch."""

from symconv.layers.base import Layer, LayerError
from symconv.layers.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from symconv.layers.elementwise import (
    GELU,
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    Dropout,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Tanh,
)
from symconv.layers.linear import Flatten, Linear
from symconv.layers.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)

__all__ = [
    "Layer", "LayerError",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "Linear", "Flatten",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Identity", "Dropout",
]
