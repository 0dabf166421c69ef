import { strFromU8, unzipSync } from 'fflate';
import { buildScore, MXL_MIMETYPE, toMusicXml, toMxl } from '../../../core/notation';
import { assertValidMusicXml, attributeOf, parseXml, queryOne, textOf, validateXml } from '../../helpers/xml';
import { bassDownbeats, performed } from './fixtures';

/** Reads the local file headers in order: name, compression method (0 stored, 8 deflate), and data offset. */
function localEntries(zip: Uint8Array): { name: string; method: number; dataOffset: number }[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const entries: { name: string; method: number; dataOffset: number }[] = [];
  let offset = 0;
  while (offset + 30 <= zip.length && view.getUint32(offset, true) === 0x04034b50) {
    const method = view.getUint16(offset + 8, true);
    const compressedSize = view.getUint32(offset + 18, true);
    const nameLength = view.getUint16(offset + 26, true);
    const extraLength = view.getUint16(offset + 28, true);
    const name = strFromU8(zip.subarray(offset + 30, offset + 30 + nameLength));
    const dataOffset = offset + 30 + nameLength + extraLength;
    entries.push({ name, method, dataOffset });
    offset = dataOffset + compressedSize;
  }
  return entries;
}

describe('toMxl', () => {
  const score = buildScore(performed([[60, 0, 1, 100], [64, 1, 1], [67, 2, 2], ...bassDownbeats(1)]), { title: 'Zipped' });
  const zip = toMxl(score);

  it('stores mimetype first and uncompressed, as the specification requires', () => {
    const entries = localEntries(zip);
    expect(entries.map((e) => e.name)).toEqual(['mimetype', 'META-INF/container.xml', 'score.musicxml']);
    expect(entries[0]?.method).toBe(0);
    const first = entries[0] as { dataOffset: number };
    expect(strFromU8(zip.subarray(first.dataOffset, first.dataOffset + MXL_MIMETYPE.length))).toBe('application/vnd.recordare.musicxml');
    expect(entries[2]?.method).toBe(8);
  });

  it('unzips to a container that points at a valid score identical to toMusicXml', () => {
    const files = unzipSync(zip);
    const container = strFromU8(files['META-INF/container.xml'] as Uint8Array);
    const containerCheck = validateXml(container, { name: 'container.xml', schema: 'container.xsd' });
    expect(containerCheck.messages).toBe('');
    expect(containerCheck.valid).toBe(true);
    const rootfile = queryOne(parseXml(container), 'container/rootfiles/rootfile');
    expect(attributeOf(rootfile, 'full-path')).toBe('score.musicxml');
    const xml = strFromU8(files['score.musicxml'] as Uint8Array);
    assertValidMusicXml(xml);
    expect(xml).toBe(toMusicXml(score));
    expect(textOf(parseXml(xml), 'score-partwise/work/work-title')).toBe('Zipped');
  });

  it('is deterministic', () => {
    expect(Buffer.from(toMxl(score)).equals(Buffer.from(zip))).toBe(true);
  });
});
