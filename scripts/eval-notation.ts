/**
 * `npm run eval:notation [-- --pieces N --bars N --performances N --max-alignments N]`: scores the notation stage
 * against engraved scores. The first bars of one performance of each held-out ASAP dev piece (../shared/data/asap,
 * split by whole piece in scripts/eval-notation/mv2h_asap.py) go through `buildScore` as perfect notes (the
 * performed MIDI), and through MuseScore 3's MIDI import as the peer; both MusicXML files are scored with MV2H
 * (pyMV2H 1.1.0, non-aligned, at most --max-alignments DTW alignments per excerpt) against the score. Prints a
 * per-excerpt table and the means as a JSON last line. `--audio` adds the path from audio: each excerpt rendered with a
 * training piano (FluidSynth, FluidR3, sustain pedal included) and transcribed by the whole engine. Beats and metre come
 * from the notation model (models/notescribe-notation-v1.onnx) when it is there (--no-metre-model: the rules), staves
 * by the rules weighing the hands model (models/notescribe-notation-hands-v1.onnx) when it is there (--no-hands-model: the rules alone). Needs python3 and mscore3; its own venv lives in
 * .cache/notation-eval (pyMV2H is needed by nothing else).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { buildScore, learnedNotation, toMusicXml, type DecodeMetreOptions, type MetreEstimate, type NotationModel, type NotationModels } from '../core/notation';
import { transcribe } from '../core/transcribe';
import type { Note } from '../core/types';
import { defaultHandsModelPath, defaultModelPath, defaultNotationModelPath, loadHandsModelFile, loadModelFile, loadNotationModelFile, loadReleaseModelFor } from '../cli/model-location';

const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.cache/notation-eval/venv');
const PYTHON = path.join(VENV, 'bin/python');
const HELPER = path.join(__dirname, 'eval-notation/mv2h_asap.py');
const PARTS = ['mv2h', 'multiPitch', 'voice', 'meter', 'value', 'harmony'] as const;
type Part = (typeof PARTS)[number];
type Scores = Record<Part, number> & { alignments: number };

interface ManifestEntry {
  readonly name: string;
  readonly piece: string;
  readonly performer: string;
  readonly notes: number;
}

function ensureVenv(): void {
  if (existsSync(PYTHON)) return;
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin/pip'), ['install', '-q', 'pyMV2H==1.1.0', 'mido==1.3.3'], { stdio: 'inherit' });
}

/**
 * A performance's ASAP annotations (`seconds seconds b|db[,N/D[,key]]` per beat) as the metre the notation model
 * would give: its beats (dotted quarters in 6/8, 9/8, 12/8, as ASAP annotates them), the first downbeat and the
 * first signature's bar length.
 */
function annotatedMetre(file: string): MetreEstimate {
  const rows = readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split('\t'));
  const beatTimesSeconds = rows.map((row) => Number(row[0]));
  const labels = rows.map((row) => (row[2] ?? 'b').split(','));
  const downbeatIndex = Math.max(0, labels.findIndex((label) => label[0] === 'db'));
  const signature = labels.map((label) => label[1]).find((value) => value !== undefined && value.includes('/')) ?? '4/4';
  const [numerator, denominator] = signature.split('/').map(Number) as [number, number];
  const compound = denominator >= 8 && numerator % 3 === 0 && numerator > 3;
  return { beatTimesSeconds, downbeatIndex, barBeats: compound ? numerator / 3 : numerator, compound };
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--asap <dir>', 'ASAP folder', path.resolve(ROOT, '../shared/data/asap'))
    .option('--out <dir>', 'work folder', path.join(ROOT, '.cache/notation-eval/run'))
    .option('--pieces <n>', 'dev pieces (0: all 26)', '8')
    .option('--split <name>', 'dev (held out) or train (every ninth training piece: tune here, not on dev)', 'dev')
    .option('--performances <n>', 'performances per piece', '1')
    .option('--bars <n>', 'bars per excerpt', '8')
    .option('--max-alignments <n>', 'DTW alignments scored per excerpt (pyMV2H would try every tie)', '20')
    .option('--no-musescore', 'skip the MuseScore peer')
    .option('--audio', 'also render each excerpt (pedal included) with FluidSynth and transcribe it with the onset model')
    .option('--metre-model <file>', 'notation model: beats and metre (an absent file: the rules)', defaultNotationModelPath())
    .option('--no-metre-model', 'beats and metre by the rules')
    .option('--oracle-metre', "the performance's annotated beats, downbeats and time signature as the metre: the ceiling of the rest of the notation stage")
    .option('--decode <json>', 'overrides of core/notation DEFAULT_DECODE_METRE_OPTIONS (to tune them on --split train)', '{}')
    // A cost term of the rules' staff split (docs/notation.md, "Learned notation"): on the tuning pieces it gains voice.
    .option('--hands-model <file>', 'hands model weighed in the staff split (an absent file: the rules alone)', defaultHandsModelPath())
    .option('--no-hands-model', 'staves by the rules alone')
    // pyMV2H 1.1.0 drops a level's groupings when the first tatum does not start one (a pickup); see mv2h_asap.py.
    .option('--pymv2h-groupings', "metre groupings by pyMV2H's own method instead of the reference implementation's")
    .option('--soundfont <file>', 'soundfont for --audio (a training piano)', '/usr/share/sounds/sf2/FluidR3_GM.sf2')
    .parse()
    .opts<{
      asap: string;
      out: string;
      pieces: string;
      split: string;
      performances: string;
      bars: string;
      maxAlignments: string;
      musescore: boolean;
      audio?: boolean;
      metreModel: string | false;
      decode: string;
      handsModel: string | false;
      soundfont: string;
      pymv2hGroupings?: boolean;
      oracleMetre?: boolean;
    }>();
  ensureVenv();
  mkdirSync(options.out, { recursive: true });
  const run = (args: string[]): string => execFileSync('nice', ['-n', '10', PYTHON, HELPER, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  run(['prepare', '--asap', options.asap, '--out', options.out, '--pieces', options.pieces, '--split', options.split, '--performances', options.performances, '--bars', options.bars]);
  const manifest = JSON.parse(readFileSync(path.join(options.out, 'manifest.json'), 'utf8')) as ManifestEntry[];
  const metreModel = options.metreModel === false || !existsSync(options.metreModel) ? undefined : await loadNotationModelFile(options.metreModel);
  const handsModel = options.handsModel === false || !existsSync(options.handsModel) ? undefined : await loadHandsModelFile(options.handsModel);
  const decode = JSON.parse(options.decode) as Partial<DecodeMetreOptions>;
  const metre: NotationModel | undefined = metreModel === undefined ? undefined : { ...metreModel, estimateMetre: (notes, o) => metreModel.estimateMetre(notes, { ...decode, ...o }) };
  const notationModels: NotationModels = { ...(metre === undefined ? {} : { metre }), ...(handsModel === undefined ? {} : { hands: handsModel }) };
  console.log(`beats and metre: ${metreModel?.card.name ?? 'rules'}; staves: ${handsModel?.card.name ?? 'rules'}`);
  let scoreSeconds = 0;
  for (const entry of manifest) {
    const notes = JSON.parse(readFileSync(path.join(options.out, `${entry.name}.notes.json`), 'utf8')) as Note[];
    const began = performance.now();
    const learned = options.oracleMetre === true ? { ...(await learnedNotation(notes, notationModels)), metre: annotatedMetre(path.join(options.asap, entry.piece, `${entry.performer}_annotations.txt`)) } : await learnedNotation(notes, notationModels);
    const xml = toMusicXml(buildScore(notes, { title: entry.piece, ...learned }));
    scoreSeconds += (performance.now() - began) / 1000;
    writeFileSync(path.join(options.out, `${entry.name}.ours.musicxml`), xml);
  }
  const systems = ['ours'];
  if (options.audio === true) {
    systems.push('audio');
    const model = await loadModelFile();
    // As the CLI: notes end at the key releases the release model finds, not where the pedalled sound decays.
    const releaseModel = await loadReleaseModelFor(defaultModelPath(), model.card);
    for (const entry of manifest) {
      const wav = path.join(options.out, `${entry.name}.wav`);
      execFileSync('nice', ['-n', '10', 'fluidsynth', '-ni', '-q', '-F', wav, '-r', '22050', '-g', '0.6', options.soundfont, path.join(options.out, `${entry.name}.pedalled.mid`)], {
        stdio: 'ignore',
      });
      const result = await transcribe(new Uint8Array(readFileSync(wav)), {
        model,
        ...(releaseModel === undefined ? {} : { releaseModel }),
        title: entry.piece,
        formats: ['musicxml'],
        notationModels,
      });
      writeFileSync(path.join(options.out, `${entry.name}.audio.musicxml`), result.outputs.musicxml ?? new Uint8Array());
    }
  }
  if (options.musescore) {
    systems.push('musescore');
    const job = manifest.map((e) => ({ in: path.join(options.out, `${e.name}.performance.mid`), out: path.join(options.out, `${e.name}.musescore.musicxml`) }));
    const jobFile = path.join(options.out, 'musescore-job.json');
    writeFileSync(jobFile, JSON.stringify(job));
    execFileSync('nice', ['-n', '10', 'mscore3', '-j', jobFile], { env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' }, stdio: 'ignore' });
  }
  run(['score', '--out', options.out, '--systems', systems.join(','), '--max-alignments', options.maxAlignments, ...(options.pymv2hGroupings ? ['--pymv2h-groupings'] : [])]);
  const results = JSON.parse(readFileSync(path.join(options.out, 'results.json'), 'utf8')) as Array<Record<string, unknown>>;
  const header = ['excerpt'.padEnd(52), ...systems.flatMap((s) => PARTS.map((p) => `${s === 'ours' ? '' : `${s.slice(0, 2)}:`}${p}`.padStart(10)))].join(' ');
  console.log(header);
  const totals: Record<string, Record<Part, number[]>> = {};
  for (const row of results) {
    const cells = [String(row['name']).slice(0, 52).padEnd(52)];
    for (const system of systems) {
      const scores = row[system] as Scores | { error: string } | null;
      const byPart = (totals[system] ??= Object.fromEntries(PARTS.map((p) => [p, []])) as unknown as Record<Part, number[]>);
      for (const part of PARTS) {
        // An excerpt a system could not write or we could not read scores zero: it is a failure, not a gap.
        const value = scores !== null && !('error' in scores) ? scores[part] : 0;
        byPart[part].push(value);
        cells.push(value.toFixed(3).padStart(10));
      }
      if (scores !== null && 'error' in scores) cells.push(`(${system}: ${scores.error})`);
    }
    console.log(cells.join(' '));
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const summary = Object.fromEntries(
    Object.entries(totals).map(([system, parts]) => [system, Object.fromEntries(PARTS.map((p) => [p, Number(mean(parts[p]).toFixed(4))]))]),
  );
  console.log(['mean'.padEnd(52), ...systems.flatMap((s) => PARTS.map((p) => ((summary[s] as Record<Part, number>)[p] ?? 0).toFixed(3).padStart(10)))].join(' '));
  console.log(
    JSON.stringify({
      excerpts: results.length,
      bars: Number(options.bars),
      maxAlignments: Number(options.maxAlignments),
      scoreSecondsTotal: Number(scoreSeconds.toFixed(3)),
      ...summary,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
