"""The onset classifier: a small residual CNN of long, skinny convolutions in the spirit of AnthemScore.

    windows [B, 1, 13, 352]
      → input BatchNorm (learns the log-amplitude offset and scale)
      → 13×5 conv: a long, skinny kernel over the whole window in time (and ±2 bins), collapsing it to [B, C, 352]:
        each channel is a spectro-temporal template (attack at the onset frame, level before vs after). One layer
        here rather than a 2-D stem first: a stem's [B, C, 13, 352] activations made training 3.6× slower on CPU
      → + a fixed bin-position channel (timbre and partial spacing depend on register)
      → a 4-wide, stride-2 frequency conv: 352 quarter-semitone bins → 176 half-semitone positions (the detail of
        detuning survives in the channels; it halves the cost of everything after it)
      → residual blocks of 1×5 convolutions along frequency, dilated 1, 2, 4 … 32: every output sees every input
        position (receptive field ±252 half-semitones), which is what lets a key be told from another key's harmonics
      → 1×1 conv, then a 2-wide, stride-2 frequency conv over each key's two positions: 176 → 88 keys, 2 channels
      → sigmoid: onset_probability [B, 88], velocity [B, 88]; with `timing` a third channel, tanh-bounded to
        ±SHIFT_RANGE_S: onset_shift [B, 88], seconds from the detected onset frame to where that key's strike starts
        (the detector fires up to tens of ms late on slow attacks; this reports the note where it starts)
No dense layers: the model is convolutional along frequency, so a key's detector is shared across the keyboard.
"""
from __future__ import annotations

import torch
from torch import nn

from labels import WINDOW_AFTER, WINDOW_BEFORE, WINDOW_FRAME_COUNT  # noqa: F401  (the engine's window; re-exported)

BIN_COUNT = 352
KEY_COUNT = 88
# The timing output's range: the label tolerance (±50 ms), since a note farther from its onset is not labelled there.
SHIFT_RANGE_S = 0.05


class _FrequencyBlock(nn.Module):
    def __init__(self, channels: int, dilation: int, kernel: int = 5) -> None:
        super().__init__()
        pad = dilation * (kernel - 1) // 2
        self.conv = nn.Conv1d(channels, channels, kernel, padding=pad, dilation=dilation, bias=False)
        self.norm = nn.BatchNorm1d(channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.act(self.norm(self.conv(x)))


class OnsetNet(nn.Module):
    """`forward(windows [B,1,frames,352]) -> (onset_probability [B,88], velocity [B,88][, onset_shift [B,88]])`, where
    frames = frames_before + 1 + frames_after (13 by default, the engine's window).
    `forward_logits` gives the pre-sigmoid onset and velocity logits (for a numerically stable loss) and, with
    `timing`, the shift in seconds."""

    def __init__(self, width: int = 32, dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32),
                 head_channels: int = 64, timing: bool = False, frames_before: int = WINDOW_BEFORE,
                 frames_after: int = WINDOW_AFTER) -> None:
        super().__init__()
        self.config = {'width': width, 'dilations': list(dilations), 'head_channels': head_channels, 'timing': timing}
        # The window is part of the config only when it is not the engine's default, so earlier configs stay equal.
        if (frames_before, frames_after) != (WINDOW_BEFORE, WINDOW_AFTER):
            self.config.update(frames_before=frames_before, frames_after=frames_after)
        self.timing = timing
        self.frames_before = frames_before
        self.frames_after = frames_after
        self.window_frames = frames_before + 1 + frames_after
        self.input_norm = nn.BatchNorm2d(1)
        self.time = nn.Sequential(nn.Conv2d(1, width - 1, (self.window_frames, 5), padding=(0, 2), bias=False),
                                  nn.BatchNorm2d(width - 1), nn.ReLU())
        self.register_buffer('position', torch.linspace(-1.0, 1.0, BIN_COUNT).reshape(1, 1, BIN_COUNT))
        # padding 1: position i covers bins 2i-1 … 2i+2, so key j's centre bin 4j+1 lies in positions 2j and 2j+1
        self.down = nn.Sequential(nn.Conv1d(width, width, 4, stride=2, padding=1, bias=False), nn.BatchNorm1d(width),
                                  nn.ReLU())
        self.blocks = nn.Sequential(*[_FrequencyBlock(width, d) for d in dilations])
        self.head = nn.Sequential(nn.Conv1d(width, head_channels, 1), nn.ReLU(),
                                  nn.Conv1d(head_channels, 3 if timing else 2, 2, stride=2))

    @classmethod
    def from_config(cls, config: dict, **overrides) -> OnsetNet:
        """The network a checkpoint's `config` describes (its window included), with `overrides` (e.g. `width`)."""
        arguments = {**config, **overrides}
        return cls(**{**arguments, 'dilations': tuple(arguments['dilations'])})

    def forward_logits(self, windows: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = self.time(self.input_norm(windows)).squeeze(2)  # [B, width-1, 352]
        x = torch.cat([x, self.position.expand(x.shape[0], -1, -1)], dim=1)
        x = self.head(self.blocks(self.down(x)))  # [B, 2 or 3, 88]
        if self.timing:
            return x[:, 0, :], x[:, 1, :], torch.tanh(x[:, 2, :]) * SHIFT_RANGE_S
        return x[:, 0, :], x[:, 1, :]

    def forward(self, windows: torch.Tensor) -> tuple[torch.Tensor, ...]:
        onset_logits, velocity_logits, *shift = self.forward_logits(windows)
        return (torch.sigmoid(onset_logits), torch.sigmoid(velocity_logits), *shift)


def count_macs(model: OnsetNet) -> int:
    """Multiply-accumulates of one window's forward pass, counted from the convolution shapes (the rest is noise)."""
    macs = 0
    hooks = []

    def hook(module: nn.Module, _inp, out: torch.Tensor) -> None:
        nonlocal macs
        assert isinstance(module, (nn.Conv1d, nn.Conv2d))
        kernel = 1
        for k in module.kernel_size:
            kernel *= k
        macs += out.numel() // out.shape[0] * (module.in_channels // module.groups) * kernel

    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d)):
            hooks.append(m.register_forward_hook(hook))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, model.window_frames, BIN_COUNT))
    for h in hooks:
        h.remove()
    return macs
