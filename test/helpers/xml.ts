/**
 * XML helpers for tests: XSD validation with xmllint (offline, through the MusicXML catalog) and a small XPath-like
 * query language over a parsed document, so tests assert on structure rather than byte snapshots.
 *
 * Paths: segments separated by `/`; `//` means "at any depth"; a segment is an element name or `*`, optionally with
 * one predicate: `[3]` (1-based position among the matches of that step), `[@attr="value"]`, `[child]` (has such a
 * child element) or `[child="text"]` (has such a child with that trimmed text).
 *   queryAll(doc, '//measure[@number="2"]/note')   queryAll(doc, 'part/measure/note[3]/duration')
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from 'xmlbuilder2';

/** The shared MusicXML 4.0 schema folder (`../shared` beside the repository root, as in CI's fresh clone). */
export const MUSICXML_SCHEMA_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'schema', 'musicxml-4.0');

/** The subset of a DOM element the queries use. */
export interface XmlNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<XmlNode>;
  getAttribute?(name: string): string | null;
}

const ELEMENT_NODE = 1;

/** Parses XML text; returns the document node (query from it with a path starting at the root element's name). */
export function parseXml(xml: string): XmlNode {
  return create(xml).node as unknown as XmlNode;
}

function children(node: XmlNode): XmlNode[] {
  return Array.from(node.childNodes).filter((c) => c.nodeType === ELEMENT_NODE);
}

function descendantsOrSelf(node: XmlNode): XmlNode[] {
  const out: XmlNode[] = [node];
  for (const child of children(node)) out.push(...descendantsOrSelf(child));
  return out;
}

const STEP = /^([\w.*-]+)(?:\[(?:(\d+)|@([\w:-]+)="([^"]*)"|([\w.-]+)(?:="([^"]*)")?)\])?$/;

/** Every element matching `xpath` under `from` (document order). */
export function queryAll(from: XmlNode, xpath: string): XmlNode[] {
  let current: XmlNode[] = [from];
  const parts = xpath.split('/');
  let anyDepth = false;
  for (const [index, part] of parts.entries()) {
    if (part === '') {
      if (index > 0 || xpath.startsWith('//')) anyDepth = true;
      continue;
    }
    const match = STEP.exec(part);
    if (match === null) throw new Error(`queryAll: cannot parse step "${part}" of "${xpath}"`);
    const [, name, position, attribute, value, child, childText] = match;
    const next: XmlNode[] = [];
    for (const node of current) {
      const pool = anyDepth ? descendantsOrSelf(node).flatMap(children) : children(node);
      let hits = pool.filter((c) => name === '*' || c.nodeName === name);
      if (attribute !== undefined) hits = hits.filter((c) => c.getAttribute?.(attribute) === value);
      if (child !== undefined) {
        hits = hits.filter((c) =>
          children(c).some((g) => g.nodeName === child && (childText === undefined || (g.textContent ?? '').trim() === childText)),
        );
      }
      if (position !== undefined) hits = hits.slice(Number(position) - 1, Number(position));
      for (const hit of hits) if (!next.includes(hit)) next.push(hit);
    }
    current = next;
    anyDepth = false;
  }
  return current;
}

/** The first match, or an error naming the path (a failing test then says which element was missing). */
export function queryOne(from: XmlNode, xpath: string): XmlNode {
  const hit = queryAll(from, xpath)[0];
  if (hit === undefined) throw new Error(`no element matches "${xpath}"`);
  return hit;
}

/** Trimmed text of the first match, or undefined when nothing matches. */
export function textOf(from: XmlNode, xpath: string): string | undefined {
  return queryAll(from, xpath)[0]?.textContent?.trim();
}

/** Texts of every match. */
export function textsOf(from: XmlNode, xpath: string): string[] {
  return queryAll(from, xpath).map((n) => (n.textContent ?? '').trim());
}

/** An attribute of a node (undefined when absent). */
export function attributeOf(node: XmlNode, name: string): string | undefined {
  return node.getAttribute?.(name) ?? undefined;
}

/** Result of an xmllint schema validation. */
export interface ValidationResult {
  readonly valid: boolean;
  /** xmllint's messages (empty when valid). */
  readonly messages: string;
  readonly file: string;
}

/**
 * Validates an XML file against an XSD in MUSICXML_SCHEMA_DIR (default the MusicXML 4.0 schema) with xmllint,
 * offline (`--nonet`, resolving the schema's imports through the shared catalog).
 */
export function validateXmlFile(file: string, schema = 'musicxml.xsd'): ValidationResult {
  try {
    execFileSync('xmllint', ['--nonet', '--noout', '--schema', path.join(MUSICXML_SCHEMA_DIR, schema), file], {
      env: { ...process.env, XML_CATALOG_FILES: path.join(MUSICXML_SCHEMA_DIR, 'catalog.xml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { valid: true, messages: '', file };
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    return { valid: false, messages: e.stderr?.toString() ?? e.message, file };
  }
}

/** Writes XML text to a fresh temporary file and validates it (see validateXmlFile). */
export function validateXml(xml: string, options: { name?: string; schema?: string } = {}): ValidationResult {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'notescribe-xml-')), options.name ?? 'score.musicxml');
  writeFileSync(file, xml);
  return validateXmlFile(file, options.schema);
}

/** Jest-friendly assertion: throws with xmllint's messages when the XML does not validate. */
export function assertValidMusicXml(xml: string, name?: string): void {
  const result = validateXml(xml, name === undefined ? {} : { name });
  if (!result.valid) throw new Error(`${result.file} does not validate:\n${result.messages}`);
}
