"""Window-level metrics of the onset classifier (the original AnthemScore paper's, plus micro F1)."""
from __future__ import annotations

import numpy as np


def window_metrics(probability: np.ndarray, onset: np.ndarray, velocity_pred: np.ndarray, velocity: np.ndarray,
                   threshold: float) -> dict:
    """probability/onset/velocity arrays are [windows, 88]. Returns micro precision/recall/F1 over (window, key),
    per-output accuracy, the share of windows with all 88 outputs right, and the velocity MAE (MIDI units) on the
    true strikes."""
    predicted = probability >= threshold
    truth = onset.astype(bool)
    tp = int(np.sum(predicted & truth))
    fp = int(np.sum(predicted & ~truth))
    fn = int(np.sum(~predicted & truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    right = predicted == truth
    mae = float(np.mean(np.abs(velocity_pred[truth] - velocity[truth])) * 127) if truth.any() else 0.0
    return {
        'windows': int(len(onset)), 'threshold': threshold,
        'precision': round(precision, 4), 'recall': round(recall, 4), 'f1': round(f1, 4),
        'perOutputAccuracy': round(float(right.mean()), 5) if right.size else 0.0,
        'allKeysCorrect': round(float(right.all(axis=1).mean()), 4) if right.size else 0.0,
        'velocityMaeMidi': round(mae, 2),
    }


def best_threshold(probability: np.ndarray, onset: np.ndarray) -> float:
    """The onset threshold (0.05 … 0.95, step 0.01) with the best micro F1."""
    truth = onset.astype(bool)
    best, best_f1 = 0.5, -1.0
    for threshold in np.round(np.arange(0.05, 0.951, 0.01), 2):
        predicted = probability >= threshold
        tp = np.sum(predicted & truth)
        denominator = np.sum(predicted) + np.sum(truth)
        f1 = 2 * tp / denominator if denominator else 0.0
        if f1 > best_f1:
            best, best_f1 = float(threshold), float(f1)
    return best


def timing_metrics(shift_pred: np.ndarray, shift_true: np.ndarray, onset: np.ndarray) -> dict:
    """How far the reported strike times are from the true ones on the true strikes, in ms: with the model's shift
    applied, and at the bare onset frame (shift 0) for comparison."""
    truth = onset.astype(bool)
    if not truth.any():
        return {'strikes': 0}
    error = np.abs(shift_pred[truth] - shift_true[truth]) * 1000
    bare = np.abs(shift_true[truth]) * 1000
    return {'strikes': int(truth.sum()),
            'meanAbsErrorMs': round(float(error.mean()), 2), 'medianAbsErrorMs': round(float(np.median(error)), 2),
            'within20Ms': round(float((error <= 20).mean()), 4),
            'bareMeanAbsErrorMs': round(float(bare.mean()), 2), 'bareMedianAbsErrorMs': round(float(np.median(bare)), 2),
            'bareWithin20Ms': round(float((bare <= 20).mean()), 4)}
