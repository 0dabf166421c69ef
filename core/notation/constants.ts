/** Numbers that shape the notation, each with its reason. */

/**
 * MusicXML divisions per quarter note. 24 is the least value that makes every value the quantiser can produce exact:
 * sixteenths (6), eighth-note triplets (8), 32nds (3) and sixteenth-note triplets (4) for dense beats, and 32nd
 * triplets (2) should a tie need them. Small integers keep the files readable and the arithmetic exact.
 */
export const DIVISIONS_PER_QUARTER = 24;

/**
 * Grid steps per beat, chosen per beat: sixteenths (binary) or eighth-note triplets (ternary); where those would put
 * two distinct onsets on one grid point, 32nds or sixteenth-note triplets (a run of 32nds in a Bach prelude, sextuplet
 * arpeggios in Chopin).
 */
export const BINARY_STEPS_PER_BEAT = 4;
export const TERNARY_STEPS_PER_BEAT = 3;
export const FINE_BINARY_STEPS_PER_BEAT = 8;
export const FINE_TERNARY_STEPS_PER_BEAT = 6;
/**
 * A beat is written in triplets only when the ternary grid fits its onsets this much better than the binary one (as a
 * ratio of summed squared errors): straight rhythms are far commoner, so an ambiguous beat stays binary.
 */
export const TERNARY_PREFERENCE_RATIO = 0.5;
/** Onsets this close (in beats) are one chord on the grid; farther apart, they must not share a grid point. */
export const DISTINCT_ONSET_BEATS = 0.08;

/** Tempo assumed when the notes give no evidence (fewer than two distinct onsets). */
export const DEFAULT_TEMPO_BPM = 120;
/** Tempo search range in quarter-note beats per minute. */
export const MIN_TEMPO_BPM = 40;
export const MAX_TEMPO_BPM = 240;
/**
 * Log-Gaussian tempo prior (Ellis 2007 weights the autocorrelation the same way): centre and width in octaves. It
 * resolves the octave ambiguity of the autocorrelation towards moderate tempi.
 */
export const TEMPO_PRIOR_CENTRE_BPM = 110;
export const TEMPO_PRIOR_OCTAVES = 1;

/** Onset-envelope frame rate for beat tracking: 100 Hz, the engine's frame rate (core/params FRAME_RATE_HZ). */
export const ENVELOPE_RATE_HZ = 100;
/** Onsets closer than this are one event (a rolled or imprecisely transcribed chord), seconds. */
export const ONSET_CLUSTER_SECONDS = 0.035;
/** Width of the Gaussian each onset becomes in the envelope: absorbs 20–30 ms of transcription jitter. */
export const ENVELOPE_SIGMA_SECONDS = 0.02;
/**
 * Weight of the tempo-consistency penalty in the beat-tracking dynamic programme (Ellis 2007, eq. 2; his 680 is for
 * an envelope normalised by its standard deviation, ours peaks at about 1 per onset). A half-beat slip costs about 16
 * onsets' worth, a 3 % jitter almost nothing.
 */
export const BEAT_TIGHTNESS = 100;
/** Local-tempo analysis window and hop, seconds: long enough for a few bars, short enough to follow tempo changes. */
export const LOCAL_TEMPO_WINDOW_SECONDS = 8;
export const LOCAL_TEMPO_HOP_SECONDS = 2;
/**
 * Cost of a local tempo change per octave, in log-evidence units of one analysis window: a switch from 90 to 120 BPM
 * (0.4 octave) must be supported by roughly three windows (6 s) of better fit before the tracker follows it.
 */
export const TEMPO_SWITCH_COST = 6;
/** A new metronome mark is written when the local tempo moves this far (relative) from the current mark. */
export const TEMPO_CHANGE_THRESHOLD = 0.08;

/**
 * 3/4 is chosen over 4/4 only when its downbeat contrast beats 4/4's by this factor: 4/4 is the safer default for
 * a reader, and a 3/4 reading of 4/4 music misplaces every other bar line.
 */
export const TRIPLE_METER_BIAS = 1.15;

/**
 * The beats divide in three (6/8, 9/8, 12/8) when the off-beat onsets' squared error to the beat's thirds is under this
 * share of their error to its quarters: eighth-note triplets throughout a 4/4 piece read the same, and are written as
 * 12/8, as many editions do.
 */
export const COMPOUND_METRE_RATIO = 0.5;
/**
 * Half beats are regrouped in threes (the tracker took two eighths of 6/8 for its beat) only when grouping them in
 * threes makes the accented ones stand out this much more than grouping them in twos.
 */
export const COMPOUND_ACCENT_BIAS = 1.2;
/**
 * A compound bar of three or four beats (9/8, 12/8) is chosen over 6/8 only when its downbeat contrast is this much
 * higher: a longer bar always contains the shorter one's accents.
 */
export const SHORTEST_BAR_BIAS = 1.15;

/** Below middle C goes to the bass staff unless hand tracking says otherwise. */
export const MIDDLE_C = 60;
/** Widest comfortable hand span, semitones (a ninth); wider chords are split between the hands. */
export const HAND_SPAN_SEMITONES = 14;

/** MIDI ticks per quarter note: 480, the common DAW resolution (about 1 ms at 120 BPM). */
export const MIDI_TICKS_PER_QUARTER = 480;
/** Shortest note a sanitised input may contain, seconds. */
export const MIN_NOTE_SECONDS = 0.01;

/**
 * MIDI velocity of each dynamic mark (MuseScore's playback values); a bar's mean onset velocity takes the nearest.
 * MusicXML's <sound dynamics> is a percentage of forte's velocity 90 (MusicXML 4.0, sound element).
 */
export const DYNAMIC_VELOCITIES = { pp: 33, p: 49, mp: 64, mf: 80, f: 96, ff: 112 } as const;
export const FORTE_VELOCITY = 90;
