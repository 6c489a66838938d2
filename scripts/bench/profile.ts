/**
 * Where the gateway's CPU time went, from the Chrome-format `.cpuprofile` that `bun --cpu-prof` writes on
 * exit: self time per function, inclusive time of the gateway's own functions, and self time per file. It
 * samples the JavaScript thread only: Bun's HTTP client thread (where fetch does its I/O) is not in it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly files: readonly string[];
  readonly totalMs: number;
  readonly selfByFunction: readonly ProfileLine[];
  readonly inclusiveOwnCode: readonly ProfileLine[];
  readonly selfByFile: readonly ProfileLine[];
  readonly markdown: string;
}

const root = join(import.meta.dir, '..', '..');

function where(url: string): string {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(root) ? relative(root, path) : path;
}

function keyOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = where(url);
  const name = functionName === '' ? '(anonymous)' : functionName;
  return file === '' ? name : `${name} ${file}:${lineNumber + 1}`;
}

function isOwnCode(node: ProfileNode): boolean {
  const file = where(node.callFrame.url);
  return /^(src|cli)\//.test(file);
}

function top(map: Map<string, number>, total: number, count: number): ProfileLine[] {
  return [...map.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total }));
}

export function summarizeProfiles(directory: string, count = 15): ProfileSummary | undefined {
  const files = readdirSync(directory).filter((file) => file.endsWith('.cpuprofile')).map((file) => join(directory, file));
  if (files.length === 0) return undefined;
  const selfByFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    // A sample's time delta also holds the idle time before it (nothing is sampled while the event loop
    // sleeps), so each sample counts as one sampling interval: the median delta.
    const deltas = [...profile.timeDeltas].sort((left, right) => left - right);
    const us = deltas[Math.floor(deltas.length / 2)] ?? 1000;
    for (const id of profile.samples) {
      const node = byId.get(id);
      if (node === undefined) continue;
      if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(root)') continue;
      total += us;
      const key = keyOf(node);
      selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us);
      const fileKey = where(node.callFrame.url) || `(native) ${node.callFrame.functionName}`;
      const grouped = fileKey.includes('node_modules/') ? fileKey.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+).*$/, 'node_modules/$1') : fileKey;
      selfByFile.set(grouped, (selfByFile.get(grouped) ?? 0) + us);
      const seen = new Set<string>();
      for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
        const frame = byId.get(current);
        if (frame === undefined || !isOwnCode(frame)) continue;
        const frameKey = keyOf(frame);
        if (seen.has(frameKey)) continue;
        seen.add(frameKey);
        inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + us);
      }
    }
  }
  const summary = {
    files,
    totalMs: total / 1000,
    selfByFunction: top(selfByFunction, total, count),
    inclusiveOwnCode: top(inclusive, total, count),
    selfByFile: top(selfByFile, total, count),
  };
  const section = (title: string, lines: readonly ProfileLine[]): string =>
    [`**${title}**`, '', '| % | ms | where |', '| ---: | ---: | --- |', ...lines.map((line) => `| ${line.percent.toFixed(1)} | ${line.ms.toFixed(0)} | \`${line.name}\` |`)].join('\n');
  const markdown = [
    `Gateway CPU profile (${files.join(', ')}): ${(total / 1e6).toFixed(1)} s of busy JavaScript-thread time sampled, start-up included.`,
    '',
    section('Self time by function', summary.selfByFunction),
    '',
    section('Inclusive time of the gateway\'s own functions (src/, cli/)', summary.inclusiveOwnCode),
    '',
    section('Self time by file', summary.selfByFile),
    '',
  ].join('\n');
  return { ...summary, markdown };
}
