"""The notation evaluation's metre groupings (scripts/eval-notation/mv2h_asap.py `reference_groupings`): the
reference implementation's (MV2H, Java `Meter.getGroupings`), which pyMV2H 1.1.0 gets wrong after a pickup."""
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'scripts' / 'eval-notation'))
from mv2h_asap import reference_groupings  # noqa: E402

SUB, BEAT, BAR = 0, 1, 2


def hierarchy(bpb, sbpb, al=0, time=0, tpsb=1):
    return SimpleNamespace(bpb=bpb, sbpb=sbpb, tpsb=tpsb, al=al, time=time)


def levels(groups, level):
    return [(start, end) for start, end, lev in groups if lev == level]


def test_a_bar_of_four_four_without_pickup_has_its_eighths_quarters_and_bar():
    tatums = [k * 250 for k in range(9)]  # eighths of one 4/4 bar and the next downbeat
    groups = reference_groupings(tatums, [hierarchy(4, 2)])
    assert len(levels(groups, SUB)) == 8
    assert levels(groups, BEAT) == [(0, 500), (500, 1000), (1000, 1500), (1500, 2000)]
    assert levels(groups, BAR) == [(0, 2000)]


def test_after_a_pickup_of_one_eighth_beats_and_bars_start_at_their_first_start():
    # 4/4 with an eighth's anacrusis: tatum 0 is the last eighth of a bar, tatum 1 the first downbeat.
    tatums = [k * 250 for k in range(10)]
    groups = reference_groupings(tatums, [hierarchy(4, 2, al=1)])
    assert levels(groups, BEAT)[0] == (250, 750)
    assert levels(groups, BAR) == [(250, 2250)]
    assert len(levels(groups, SUB)) == 9


def test_a_hierarchy_change_takes_effect_at_its_own_tatum():
    # One bar of 2/4 (eighths), then 3/4 from 1000 ms.
    tatums = [k * 250 for k in range(11)]
    groups = reference_groupings(tatums, [hierarchy(2, 2), hierarchy(3, 2, time=1000)])
    assert levels(groups, BAR) == [(0, 1000), (1000, 2500)]
    assert levels(groups, BEAT) == [(0, 500), (500, 1000), (1000, 1500), (1500, 2000), (2000, 2500)]


def test_nothing_to_group_gives_no_groupings():
    assert reference_groupings([], [hierarchy(4, 2)]) == []
    assert reference_groupings([0, 250], []) == []
