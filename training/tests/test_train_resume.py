"""Resuming judges the best epoch on the current validation set, not on the score a checkpoint carries (which was
measured on whatever validation set its call had: v2's first release shipped epoch 1 of 21 that way)."""
import numpy as np
import torch

from dataset import SplitData
from model import KEY_COUNT, OnsetNet
from train import _rescore_best, predict

WINDOWS = np.random.default_rng(0).random((96, 13, 352)).astype(np.float16)


def _decisive(seed: int) -> OnsetNet:
    """A random model whose onset logits are scaled up and centred so about 5 % of its outputs are far above 0.5 and
    the rest far below: it scores F1 1 on labels taken from itself, at any threshold."""
    torch.manual_seed(seed)
    model = OnsetNet(width=8, dilations=(1, 2))
    with torch.no_grad():
        model.head[-1].weight.mul_(200.0)
        model.head[-1].bias.mul_(200.0)
        model.eval()
        logits = model.forward_logits(torch.from_numpy(WINDOWS.astype(np.float32)).unsqueeze(1))[0]
        model.head[-1].bias[0] -= float(torch.quantile(logits.flatten(), 0.95))
    return model


def _labelled_by(model: OnsetNet) -> SplitData:
    probability, _velocity = predict(model, WINDOWS)
    zeros = np.zeros((len(WINDOWS), KEY_COUNT), np.float32)
    return SplitData(windows=WINDOWS, onset=(probability >= 0.5).astype(np.uint8), velocity=zeros, shift=zeros,
                     item_of_window=np.zeros(len(WINDOWS), np.int64), items=['synthetic'])


def _state(model: OnsetNet) -> dict:
    return {k: t.clone() for k, t in model.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


def test_the_last_epoch_wins_when_it_is_better_on_this_validation_set():
    good, bad = _decisive(1), _decisive(2)
    model = OnsetNet(width=8, dilations=(1, 2))
    best, f1 = _rescore_best(model, _state(good), _state(bad), _labelled_by(good), log=lambda _line: None)
    assert f1 > 0.99
    assert _same(best, good.state_dict())


def test_a_better_saved_best_is_kept_and_training_goes_on_from_the_last_epoch():
    good, bad = _decisive(3), _decisive(4)
    model = OnsetNet(width=8, dilations=(1, 2))
    best, f1 = _rescore_best(model, _state(bad), _state(good), _labelled_by(good), log=lambda _line: None)
    assert f1 > 0.99
    assert _same(best, good.state_dict())
    assert _same(model.state_dict(), bad.state_dict())
