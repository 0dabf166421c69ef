"""The notation (metre) model: a non-causal temporal convolutional network over note frames, after Böck, Davies and
Knees (ISMIR 2019, "Multi-task learning of tempo and beat"): dilated convolutions with dilations doubling from 1 to
256 frames see about 41 s either way at 50 frames per second, enough for the bar length and its phase, and unlike a
recurrent net they run all frames at once (fast in onnxruntime, fast to train on one core).

Input  `features` [1, FEATURE_COUNT, T] (training/notation/notation_data.py `features`).
Output `metre`    [1, OUTPUT_COUNT, T] logits: 0 beat, 1 downbeat, 2..4 bar length 2/3/4 beats, 5 compound beat.
"""
from __future__ import annotations

import torch
from torch import nn

from notation_data import BAR_BEATS, FEATURE_COUNT

OUTPUT_COUNT = 2 + len(BAR_BEATS) + 1
INPUT_NAME = 'features'
OUTPUT_NAME = 'metre'


class Block(nn.Module):
    def __init__(self, channels: int, dilation: int, kernel: int, dropout: float):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.mix = nn.Conv1d(channels, channels, 1)
        self.act = nn.ELU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(self.drop(self.act(self.conv(x))))


class MetreNet(nn.Module):
    def __init__(self, channels: int = 32, levels: int = 9, kernel: int = 5, dropout: float = 0.1):
        super().__init__()
        self.inp = nn.Sequential(nn.Conv1d(FEATURE_COUNT, channels, 3, padding=1), nn.ELU())
        self.blocks = nn.Sequential(*[Block(channels, 2 ** k, kernel, dropout) for k in range(levels)])
        self.out = nn.Conv1d(channels, OUTPUT_COUNT, 1)
        self.config = {'channels': channels, 'levels': levels, 'kernel': kernel, 'dropout': dropout}

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.out(self.blocks(self.inp(features)))
