"""Trains the notation (metre) model on ASAP performances, exports ONNX and writes its card.

    nice -n 10 .venv/bin/python training/notation/train.py                        # the committed model (88 min)
    .venv/bin/python training/notation/train.py --limit 2 --steps 3 --out /tmp/x  # a tiny run (the tests do this)

Time-bounded (one core: torch.set_num_threads(1)); resumable from the checkpoint it writes (--resume). Validation
(the evaluation's tuning pieces) picks the best checkpoint; the dev pieces are only scored, for the card, once.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.append(str(Path(__file__).resolve().parent))  # a script sees its folder first anyway; imported (tests), it must not shadow training/ modules
from notation_data import (BAR_BEATS, DEFAULT_ASAP_DIR, FEATURE_COUNT, FRAME_RATE_HZ, IGNORE, OCTAVE_BANDS, REPO,  # noqa: E402
                     features, load_split, sample_window, split_pieces, targets)
from metre_net import INPUT_NAME, OUTPUT_COUNT, OUTPUT_NAME, MetreNet  # noqa: E402

NAME = 'notescribe-notation-v1'
VERSION = '1.1.0'
# Beat F-measure tolerance (mir_eval.beat.f_measure's default, seconds) and the peak picking the card's numbers use.
F_TOLERANCE_SECONDS = 0.07
PEAK_THRESHOLD = 0.4
PEAK_MIN_SECONDS = 0.1


def batch(perfs, weights, size, frames, rng):
    xs, bs, ds, bars, comps = [], [], [], [], []
    for i in rng.choice(len(perfs), size=size, p=weights):
        x, b, d, bar, comp = sample_window(perfs[i], frames, rng)
        xs.append(x), bs.append(b), ds.append(d), bars.append(bar), comps.append(comp)
    return (torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(bs)), torch.from_numpy(np.stack(ds)),
            torch.from_numpy(np.stack(bars)), torch.from_numpy(np.stack(comps)))


def loss_of(out, beat, down, bar, comp, head_weight: float = 0.5, bar_class_weights=None, compound_pos_weight=None):
    """Beat and downbeat BCE plus `head_weight` times the bar-length and division losses; the optional class
    weights (`head_class_weights`) stop the heads from learning the prior (4/4, simple) alone."""
    def masked_bce(logit, target):
        mask = target >= 0
        if not mask.any():
            return logit.sum() * 0
        return F.binary_cross_entropy_with_logits(logit[mask], target[mask])
    comp_mask = comp != IGNORE
    comp_loss = (F.binary_cross_entropy_with_logits(out[:, 5][comp_mask], comp[comp_mask].float(), pos_weight=compound_pos_weight)
                 if comp_mask.any() else out.sum() * 0)
    bar_loss = (F.cross_entropy(out[:, 2:5], bar, weight=bar_class_weights, ignore_index=IGNORE)
                if (bar != IGNORE).any() else out.sum() * 0)
    return masked_bce(out[:, 0], beat) + masked_bce(out[:, 1], down) + head_weight * (bar_loss + comp_loss)


def head_class_weights(perfs) -> tuple:
    """Inverse-frequency weights of the bar-length classes (mean 1 over the classes) and the compound flag's positive
    weight (simple time over compound time), from the annotated time of the training performances."""
    bar_seconds = np.zeros(len(BAR_BEATS))
    compound_seconds = np.zeros(2)
    for p in perfs:
        spans = np.diff(p.beats)
        for k, span in enumerate(spans):
            if p.bar_beats[k] in BAR_BEATS:
                bar_seconds[BAR_BEATS.index(int(p.bar_beats[k]))] += span
            compound_seconds[int(p.compound[k])] += span
    bar_weights = bar_seconds.sum() / np.maximum(bar_seconds, 1.0) / len(BAR_BEATS)
    bar_weights = bar_weights / bar_weights.mean()
    return (torch.tensor(bar_weights, dtype=torch.float32),
            torch.tensor(compound_seconds[0] / max(1.0, compound_seconds[1]), dtype=torch.float32))


def peaks(act: np.ndarray) -> np.ndarray:
    """Times (s) of local maxima above PEAK_THRESHOLD, at least PEAK_MIN_SECONDS apart (the higher wins)."""
    cand = np.flatnonzero((act[1:-1] >= act[:-2]) & (act[1:-1] > act[2:]) & (act[1:-1] > PEAK_THRESHOLD)) + 1
    chosen = []
    for f in cand[np.argsort(-act[cand])]:
        if all(abs(f - c) >= PEAK_MIN_SECONDS * FRAME_RATE_HZ for c in chosen):
            chosen.append(f)
    return np.sort(np.array(chosen, dtype=np.float64)) / FRAME_RATE_HZ


def f_measure(reference: np.ndarray, estimate: np.ndarray) -> float:
    """One-to-one matching within F_TOLERANCE_SECONDS (greedy by time, as the sequences are sorted and sparser than
    the tolerance), as mir_eval.beat.f_measure without its 5 s trim (the notation stage needs the first bars)."""
    if len(reference) == 0 or len(estimate) == 0:
        return 0.0
    used = np.zeros(len(estimate), bool)
    hits = 0
    for t in reference:
        d = np.abs(estimate - t)
        d[used] = np.inf
        j = int(np.argmin(d))
        if d[j] <= F_TOLERANCE_SECONDS:
            used[j] = True
            hits += 1
    p, r = hits / len(estimate), hits / len(reference)
    return 0.0 if hits == 0 else 2 * p * r / (p + r)


def infer(net, perf):
    n = int((max(perf.notes[-1, 1], perf.beats[-1]) + 1.0) * FRAME_RATE_HZ) + 1
    with torch.no_grad():
        out = net(torch.from_numpy(features(perf.notes, n))[None])[0].numpy()
    return out, n


def evaluate(net, perfs, first_seconds: float = 0.0) -> dict:
    """Beat and downbeat F (peak picking), and metre accuracy (bar length and beat division both right, from the
    activations averaged over the annotated span) per performance, averaged; `first_seconds` > 0 scores only the
    opening (what the notation evaluation's excerpts are)."""
    net.eval()
    beat_f, down_f, metre_ok, bar_ok = [], [], [], []
    for perf in perfs:
        out, n = infer(net, perf)
        end = perf.beats[0] + first_seconds if first_seconds > 0 else np.inf
        beat_act, down_act = 1 / (1 + np.exp(-out[0])), 1 / (1 + np.exp(-out[1]))
        est_b, est_d = peaks(beat_act), peaks(down_act)
        ref_b, ref_d = perf.beats[perf.beats <= end], perf.beats[perf.downbeat & (perf.beats <= end)]
        beat_f.append(f_measure(ref_b, est_b[est_b <= end + F_TOLERANCE_SECONDS]))
        down_f.append(f_measure(ref_d, est_d[est_d <= end + F_TOLERANCE_SECONDS]))
        _, _, bar, comp = targets(perf, n)
        span = np.zeros(n, bool)
        lo = int(perf.beats[0] * FRAME_RATE_HZ)
        hi = int(min(end, perf.beats[-1]) * FRAME_RATE_HZ)
        span[lo:hi] = True
        known = span & (bar != IGNORE)
        if known.any():
            true_bar = np.bincount(bar[known], minlength=len(BAR_BEATS)).argmax()
            true_comp = np.bincount(comp[known], minlength=2).argmax()
            logits = out[2:5, span]
            prob = np.exp(logits - logits.max(0)) / np.exp(logits - logits.max(0)).sum(0)
            pred_bar = prob.mean(1).argmax()
            pred_comp = int((1 / (1 + np.exp(-out[5, span]))).mean() > 0.5)
            bar_ok.append(pred_bar == true_bar)
            metre_ok.append(pred_bar == true_bar and pred_comp == true_comp)
    net.train()
    return {'beatF': float(np.mean(beat_f)), 'downbeatF': float(np.mean(down_f)),
            'barLengthAccuracy': float(np.mean(bar_ok)) if bar_ok else 0.0,
            'metreAccuracy': float(np.mean(metre_ok)) if metre_ok else 0.0, 'performances': len(perfs)}


def export(net, path: Path) -> None:
    net.eval()
    dummy = torch.zeros(1, FEATURE_COUNT, 500)
    torch.onnx.export(net, (dummy,), str(path), input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], opset_version=17,
                      dynamic_axes={INPUT_NAME: {2: 'frames'}, OUTPUT_NAME: {2: 'frames'}}, dynamo=False)
    net.train()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--asap', default=DEFAULT_ASAP_DIR)
    ap.add_argument('--out', default=str(REPO / 'models'), help='folder for the ONNX, card and checkpoint')
    ap.add_argument('--minutes', type=float, default=88.0)
    ap.add_argument('--steps', type=int, default=0, help='stop after this many steps (0: time only)')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--window-frames', type=int, default=1000, help='20 s at 50 fps')
    ap.add_argument('--eval-every', type=int, default=300)
    ap.add_argument('--limit', type=int, default=0, help='performances per split (0: all; tests use 2)')
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--lr-final', type=float, default=3e-5, help='cosine decay to this over the run (0: constant --lr)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--resume', action='store_true')
    ap.add_argument('--head-weight', type=float, default=0.5, help='weight of the bar-length and division losses')
    ap.add_argument('--balance-heads', action='store_true', help='inverse-frequency class weights for the bar-length and division heads')
    ap.add_argument('--channels', type=int, default=48)
    ap.add_argument('--dropout', type=float, default=0.1)
    ap.add_argument('--weight-decay', type=float, default=1e-4)
    ap.add_argument('--ema', type=float, default=0.0,
                    help='decay of an exponential moving average of the weights (0: none); validation then also scores '
                         'the average, and the best of either is kept')
    ap.add_argument('--version', default=VERSION, help='the card\'s model version')
    ap.add_argument('--export-only', action='store_true', help='export the checkpoint\'s best model and card, no training')
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / f'{NAME}.checkpoint.pt'
    splits = split_pieces(args.asap)
    train = [] if args.export_only else load_split(args.asap, splits['train'], args.limit)
    val = load_split(args.asap, splits['val'], args.limit)
    lengths = np.array([max(1.0, p.beats[-1] - p.beats[0]) for p in train])
    weights = lengths / max(1.0, lengths.sum())
    net = MetreNet(channels=args.channels, dropout=args.dropout)
    bar_class_weights, compound_pos_weight = head_class_weights(train) if args.balance_heads and train else (None, None)
    if bar_class_weights is not None:
        print(json.dumps({'barClassWeights': bar_class_weights.tolist(), 'compoundPosWeight': float(compound_pos_weight)}), flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    step, best, best_state, history = 0, -1.0, None, []
    ema_state = None
    if (args.resume or args.export_only) and ckpt_path.exists():
        state = torch.load(ckpt_path, weights_only=False)
        net = MetreNet(**state['config'])  # the checkpoint's shape, whatever --channels says
        opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
        net.load_state_dict(state['model']), opt.load_state_dict(state['optimizer'])
        step, best, history = state['step'], state['best'], state['history']
        ema_state = state.get('ema_model')
        state_train_count = state.get('train_count', 0)
        best_state = state.get('best_model')
        for group in opt.param_groups:
            group['lr'] = args.lr  # the optimiser's state comes back, not its old rate
    began, start_step = time.time(), step
    print(json.dumps({'train': len(train), 'val': len(val), 'params': sum(p.numel() for p in net.parameters())}), flush=True)
    while not args.export_only:
        if args.steps and step >= start_step + args.steps:
            break
        if not args.steps and time.time() - began > args.minutes * 60:
            break
        if args.lr_final > 0:
            # Cosine decay over the run's time (or steps): late steps average out the noise of small batches.
            done = (step - start_step) / args.steps if args.steps else (time.time() - began) / (args.minutes * 60)
            for group in opt.param_groups:
                group['lr'] = args.lr_final + 0.5 * (args.lr - args.lr_final) * (1 + np.cos(np.pi * min(1.0, done)))
        x, b, d, bar, comp = batch(train, weights, args.batch, args.window_frames, rng)
        loss = loss_of(net(x), b, d, bar, comp, args.head_weight, bar_class_weights, compound_pos_weight)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        if args.ema > 0:
            # The average of the late weights: validation from one step to the next swings by 0.2 downbeat F (small
            # batches over 717 performances), and the average is what those swings centre on.
            with torch.no_grad():
                if ema_state is None:
                    ema_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    for k, v in net.state_dict().items():
                        ema_state[k].mul_(args.ema).add_(v.detach(), alpha=1 - args.ema)
        if step % args.eval_every == 0 or (args.steps and step == start_step + args.steps):
            # Beats and the metre both matter to the score: the best checkpoint is the best on their sum.
            def scored(state_dict):
                if state_dict is not None:
                    net.load_state_dict(state_dict)
                scores = evaluate(net, val)
                return scores, scores['beatF'] + scores['downbeatF'] + scores['metreAccuracy']
            live = {k: v.clone() for k, v in net.state_dict().items()}
            scores, value = scored(None)
            entry = {'step': step, 'loss': float(loss), 'minutes': round((time.time() - began) / 60, 2), **scores}
            if value > best:
                best, best_state = value, live
            if ema_state is not None:
                ema_scores, ema_value = scored(ema_state)
                net.load_state_dict(live)
                entry['ema'] = ema_scores
                if ema_value > best:
                    best, best_state = ema_value, {k: v.clone() for k, v in ema_state.items()}
            history.append(entry)
            print(json.dumps(history[-1]), flush=True)
            torch.save({'model': net.state_dict(), 'optimizer': opt.state_dict(), 'step': step, 'best': best,
                        'history': history, 'best_model': best_state, 'ema_model': ema_state, 'config': net.config,
                        'train_count': len(train)}, ckpt_path)
    if best_state is not None:
        net.load_state_dict(best_state)
    onnx_path = out / f'{NAME}.onnx'
    export(net, onnx_path)
    dev = load_split(args.asap, splits['dev'], args.limit)
    card = {
        'cardVersion': 1,
        'name': NAME,
        'version': args.version,
        'description': 'Metre from performed notes: beat and downbeat activations, bar length (2, 3 or 4 beats) and '
                       f'beat division (simple or compound) per frame. Non-causal TCN (dilations 1-256, {net.config["channels"]} channels).',
        'onnx': onnx_path.name,
        'opset': 17,
        'input': {'name': INPUT_NAME, 'shape': [1, FEATURE_COUNT, 'frames'], 'frameRateHz': FRAME_RATE_HZ,
                  'featureCount': FEATURE_COUNT, 'octaveBands': OCTAVE_BANDS},
        'output': {'name': OUTPUT_NAME, 'shape': [1, OUTPUT_COUNT, 'frames'], 'kind': 'logits',
                   'channels': ['beat', 'downbeat', *[f'bar{n}' for n in BAR_BEATS], 'compound'], 'barBeats': list(BAR_BEATS)},
        'architecture': net.config,
        'training': {
            'data': 'ASAP (Foscarin et al., ISMIR 2020): Disklavier performance MIDI and beat/downbeat/time-signature '
                    'annotations, read from ../shared/data/asap; licence CC BY-NC-SA 4.0',
            'split': 'by whole piece as scripts/eval-notation/mv2h_asap.py: dev pieces (sha1 % 10 == 0) never trained '
                     'on; validation = the evaluation tuning pieces (every ninth training piece)',
            'performances': {'train': state_train_count if args.export_only else len(train), 'validation': len(val), 'dev': len(dev)},
            'augmentation': 'tempo x0.85-1.15, 0-15 % notes dropped, 0-10 % spurious notes, onset jitter 20 ms '
                            '(clipped at 30 ms), durations x exp(N(0, 0.4)), transposition +-3, velocity noise 10',
            'steps': step, 'batch': args.batch, 'windowFrames': args.window_frames,
            'command': (f'nice -n 10 .venv/bin/python training/notation/train.py --minutes {args.minutes:g} --channels '
                        f'{net.config["channels"]} --dropout {net.config["dropout"]:g} --weight-decay {args.weight_decay:g} '
                        f'--ema {args.ema:g} (npm run train:notation; lr {args.lr:g} cosine to {args.lr_final:g})'),
        },
        'metrics': {
            'how': f'peak-picked activations (threshold {PEAK_THRESHOLD}, {PEAK_MIN_SECONDS} s apart), F-measure '
                   f'within {F_TOLERANCE_SECONDS * 1000:.0f} ms, mean over performances; metre = bar length and '
                   'division both right from the mean activations. The engine decodes beats with a dynamic programme '
                   'instead (core/notation/metre-model.ts): see docs/notation.md for MV2H.',
            'validation': evaluate(net, val),
            'dev': evaluate(net, dev),
            'devFirst30s': evaluate(net, dev, first_seconds=30.0),
        },
        'history': history,
    }
    (out / f'{NAME}.card.json').write_text(json.dumps(card, indent=2) + '\n')
    print(json.dumps(card['metrics']), flush=True)


if __name__ == '__main__':
    main()
