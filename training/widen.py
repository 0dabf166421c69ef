"""Widening a trained OnsetNet without changing what it computes (Net2WiderNet, Chen, Goodfellow & Shlens 2016), so a
wider model starts where the narrow one stopped instead of from random weights: on two CPU cores that is the only
way to grow the model within a session.

Each new channel copies an existing one (its incoming weights, its BatchNorm), and every layer that reads the copied
channel divides that channel's outgoing weights by the number of copies, so the sum it computes is unchanged. Two
channel streams are widened: the time stem's templates (the bin-position channel stays last and is never copied) and
the residual stream from the frequency down-sampling through every block to the head. BatchNorm in training mode
sees identical statistics for a copy, so training starts from the same function too. Copies would then receive
identical gradients and stay copies; `noise` perturbs their incoming weights slightly to break that symmetry.

    python training/widen.py CHECKPOINT --width 48 --out widened.pt   (a checkpoint-like {'state_dict', 'config'})
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from model import OnsetNet


def _mapping(old: int, new: int, rng: np.random.Generator) -> np.ndarray:
    """new → old channel index: the old channels first, then random copies."""
    if new < old:
        raise ValueError(f'cannot narrow {old} channels to {new}')
    return np.concatenate([np.arange(old), rng.integers(0, old, new - old)])


def _copy_norm(new: torch.nn.Module, old: torch.nn.Module, index: torch.Tensor) -> None:
    for name in ('weight', 'bias', 'running_mean', 'running_var'):
        getattr(new, name).copy_(getattr(old, name)[index])
    new.num_batches_tracked.copy_(old.num_batches_tracked)


def _perturb(weight: torch.Tensor, rows: slice, noise: float, generator: torch.Generator) -> None:
    if noise > 0 and weight[rows].numel() > 0:
        weight[rows] += noise * weight.std() * torch.randn(weight[rows].shape, generator=generator)


def widen(model: OnsetNet, width: int, *, noise: float = 0.01, seed: int = 0) -> OnsetNet:
    """A copy of `model` with `width` channels that computes the same outputs (exactly, with `noise` 0)."""
    old_width = model.config['width']
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    wide = OnsetNet.from_config(model.config, width=width)
    # The stem's template channels; the stream after it is those plus the position channel, kept last.
    stem = torch.from_numpy(_mapping(old_width - 1, width - 1, rng))
    stem_stream = torch.cat([stem, torch.tensor([old_width - 1])])
    stream = torch.from_numpy(_mapping(old_width, width, rng))
    stem_copies = torch.bincount(stem_stream, minlength=old_width).to(torch.float32)
    stream_copies = torch.bincount(stream, minlength=old_width).to(torch.float32)
    added_stem, added_stream = slice(old_width - 1, None), slice(old_width, None)
    with torch.no_grad():
        wide.input_norm.load_state_dict(model.input_norm.state_dict())
        wide.time[0].weight.copy_(model.time[0].weight[stem])
        _perturb(wide.time[0].weight, added_stem, noise, generator)
        _copy_norm(wide.time[1], model.time[1], stem)
        down = model.down[0].weight[stream][:, stem_stream] / stem_copies[stem_stream][None, :, None]
        wide.down[0].weight.copy_(down)
        _perturb(wide.down[0].weight, added_stream, noise, generator)
        _copy_norm(wide.down[1], model.down[1], stream)
        for new_block, old_block in zip(wide.blocks, model.blocks):
            conv = old_block.conv.weight[stream][:, stream] / stream_copies[stream][None, :, None]
            new_block.conv.weight.copy_(conv)
            _perturb(new_block.conv.weight, added_stream, noise, generator)
            _copy_norm(new_block.norm, old_block.norm, stream)
        wide.head[0].weight.copy_(model.head[0].weight[:, stream] / stream_copies[stream][None, :, None])
        wide.head[0].bias.copy_(model.head[0].bias)
        wide.head[2].load_state_dict(model.head[2].state_dict())
    return wide


def lengthen_window(model: OnsetNet, frames_before: int, frames_after: int) -> OnsetNet:
    """A copy of `model` that reads a longer window (more frames before and/or after the onset frame) and computes
    the same outputs in eval mode: the time stem's kernel gets zero taps for the added frames. (In training mode the
    input BatchNorm's statistics take in the added frames; the stem's own BatchNorm absorbs that shift.)"""
    add_before = frames_before - model.frames_before
    add_after = frames_after - model.frames_after
    if add_before < 0 or add_after < 0:
        raise ValueError(f'cannot shorten a window of {model.frames_before}+1+{model.frames_after} frames')
    longer = OnsetNet.from_config(model.config, frames_before=frames_before, frames_after=frames_after)
    state = model.state_dict()
    kernel = state['time.0.weight']  # [templates, 1, frames, 5]
    state['time.0.weight'] = torch.nn.functional.pad(kernel, (0, 0, add_before, add_after))
    longer.load_state_dict(state)
    return longer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('checkpoint', type=Path)
    parser.add_argument('--width', type=int, required=True)
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('--noise', type=float, default=0.01)
    args = parser.parse_args()
    saved = torch.load(args.checkpoint, weights_only=False)
    config = saved['config']
    model = OnsetNet.from_config(config)
    model.load_state_dict(saved['state_dict'])
    wide = widen(model, args.width, noise=args.noise)
    torch.save({'state_dict': wide.state_dict(), 'config': wide.config}, args.out)


if __name__ == '__main__':
    main()
