"""Widening keeps the function: the wider model's outputs equal the narrow one's, in eval and in training mode."""
import numpy as np
import pytest
import torch

from model import OnsetNet
from widen import widen


def _trained_like(seed: int) -> OnsetNet:
    """A small model with non-trivial BatchNorm statistics and weights (as a trained one has)."""
    torch.manual_seed(seed)
    model = OnsetNet(width=8, dilations=(1, 2, 4), head_channels=16, timing=True)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    return model


WINDOWS = torch.from_numpy(np.random.default_rng(0).random((6, 1, 13, 352)).astype(np.float32))


@pytest.mark.parametrize('training', [False, True])
def test_widened_model_computes_the_same_outputs(training):
    narrow = _trained_like(0)
    wide = widen(narrow, 13, noise=0.0)
    assert wide.config['width'] == 13
    narrow.train(training)
    wide.train(training)
    with torch.no_grad():
        for expected, got in zip(narrow.forward_logits(WINDOWS), wide.forward_logits(WINDOWS)):
            assert torch.allclose(expected, got, atol=1e-4), float((expected - got).abs().max())


def test_noise_breaks_the_copies_apart_but_stays_close():
    narrow = _trained_like(1)
    wide = widen(narrow, 12, noise=0.01)
    narrow.eval()
    wide.eval()
    with torch.no_grad():
        expected, got = narrow.forward_logits(WINDOWS)[0], wide.forward_logits(WINDOWS)[0]
    assert not torch.equal(expected, got)
    assert float((expected - got).abs().max()) < 0.1 * float(expected.abs().max())


def test_refuses_to_narrow():
    with pytest.raises(ValueError):
        widen(_trained_like(2), 4)


def test_lengthened_window_computes_the_same_outputs_on_the_old_frames():
    """Zero taps for the added frames: whatever they hold, eval-mode outputs equal the short model's on its frames."""
    from widen import lengthen_window

    short = _trained_like(3)
    longer = lengthen_window(short, 12, 9)
    assert (longer.window_frames, longer.config['frames_before'], longer.config['frames_after']) == (22, 12, 9)
    context = torch.from_numpy(np.random.default_rng(1).random((6, 1, 22, 352)).astype(np.float32))
    context[:, :, 8:21] = WINDOWS  # frames 8 … 20 of the long window are the short one's 0 … 12
    short.eval()
    longer.eval()
    with torch.no_grad():
        for expected, got in zip(short.forward_logits(WINDOWS), longer.forward_logits(context)):
            assert torch.allclose(expected, got, atol=1e-5), float((expected - got).abs().max())
    with pytest.raises(ValueError):
        lengthen_window(longer, 4, 8)
