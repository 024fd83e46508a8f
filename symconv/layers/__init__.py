"""Layer classes mirroring ``torch.nn``: names and arguments as in PyTorch."""

from symconv.layers.attention import MultiheadAttention
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
    Dropout1d,
    Dropout2d,
    Dropout3d,
    Hardsigmoid,
    Hardswish,
    Identity,
    LeakyReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    StochasticDepth,
    Tanh,
)
from symconv.layers.linear import Flatten, Linear
from symconv.layers.norm import GroupNorm, LayerNorm
from symconv.layers.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from symconv.layers.reduce import LogSoftmax, Softmax
from symconv.layers.resample import ChannelShuffle, Upsample

__all__ = [
    "Layer", "LayerError",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "Linear", "Flatten",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm",
    "ReLU", "ReLU6", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "SiLU", "Hardswish", "Hardsigmoid",
    "Softmax", "LogSoftmax", "Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
    "StochasticDepth", "MultiheadAttention", "Upsample", "ChannelShuffle",
]
