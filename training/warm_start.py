"""Starts a model from a committed ONNX model of the same shape (e.g. models/notescribe-onset-v1.onnx), so a new
model begins where the last one ended instead of from random weights: on two CPU cores that is hours of training.

The exporter folded every convolution's BatchNorm into the convolution (weight and bias). Each pair is unfolded
again so that, in training mode, the network computes what the ONNX model computes: the convolution takes the
folded weight, and its BatchNorm is set from the statistics of the convolution's output on calibration windows
(γ = σ and β = μ + folded bias, so (z − μ)/σ·γ + β = z + bias). Pairs are calibrated in order, each after the
layers before it. Output channels the ONNX model lacks (the timing channel of a v2 head) keep their initialisation.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from model import OnsetNet


def _folded_pairs(model: OnsetNet) -> list[tuple[nn.Module, nn.Module]]:
    """(convolution, BatchNorm) pairs in the order the exporter wrote their folded initialisers."""
    pairs = [(model.time[0], model.time[1]), (model.down[0], model.down[1])]
    pairs += [(block.conv, block.norm) for block in model.blocks]
    return pairs


def warm_start(model: OnsetNet, onnx_path: Path, calibration: np.ndarray) -> None:
    """Loads `onnx_path`'s weights into `model` (same width and dilations). `calibration`: windows [N, 13, 352]."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path)).graph
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    folded = [name for name in values if name.startswith('onnx::Conv_')]
    folded.sort(key=lambda name: int(name.rsplit('_', 1)[1]))
    pairs = _folded_pairs(model)
    if len(folded) != 2 * len(pairs):
        raise ValueError(f'{onnx_path}: {len(folded)} folded tensors, the model has {len(pairs)} conv/BN pairs')
    with torch.no_grad():
        for name in ('input_norm.weight', 'input_norm.bias', 'input_norm.running_mean', 'input_norm.running_var'):
            model.get_parameter(name).copy_(torch.from_numpy(values[name])) if name.endswith(('weight', 'bias')) \
                else model.get_buffer(name).copy_(torch.from_numpy(values[name]))
        head_in, head_out = model.head[0], model.head[2]
        head_in.weight.copy_(torch.from_numpy(values['head.0.weight']))
        head_in.bias.copy_(torch.from_numpy(values['head.0.bias']))
        old = values['head.2.weight'].shape[0]
        head_out.weight[:old].copy_(torch.from_numpy(values['head.2.weight']))
        head_out.bias[:old].copy_(torch.from_numpy(values['head.2.bias']))
        if head_out.weight.shape[0] > old:  # a new channel starts near zero: a shift of 0 until it learns one
            head_out.weight[old:].mul_(0.01)
            head_out.bias[old:].zero_()
        x = torch.from_numpy(calibration.astype(np.float32)).unsqueeze(1)
        for index, (conv, norm) in enumerate(pairs):
            weight = torch.from_numpy(values[folded[2 * index]])
            bias = torch.from_numpy(values[folded[2 * index + 1]])
            if conv.weight.shape != weight.shape:
                raise ValueError(f'{onnx_path}: conv {index} is {tuple(weight.shape)}, the model has {tuple(conv.weight.shape)}')
            conv.weight.copy_(weight)
            captured: list[torch.Tensor] = []
            hook = conv.register_forward_hook(lambda _m, _i, out: captured.append(out))
            model.eval()
            model(x)
            hook.remove()
            z = captured[0].transpose(0, 1).reshape(conv.out_channels, -1)
            mean, var = z.mean(dim=1), z.var(dim=1, unbiased=False)
            norm.running_mean.copy_(mean)
            norm.running_var.copy_(var)
            norm.weight.copy_(torch.sqrt(var + norm.eps))
            norm.bias.copy_(mean + bias)
