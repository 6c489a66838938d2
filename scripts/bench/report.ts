/**
 * Turns the benchmark's measurements into target verdicts, one markdown report and the `--json` document.
 * Targets are printed, never asserted (reliability.md M5: speed and memory are measured, not tested).
 */
import type { LoadResult } from './load.ts';
import type { HoldResult } from './streams.ts';

export const TARGETS = {
  nonStreamRatio: 0.8,
  streamRatio: 0.9,
  addedTtfbMs: 1,
  ttfbConcurrency: 32,
  rssMb: 150,
  streams: 1000,
} as const;

export interface Cell {
  readonly upstream: 'instant' | 'realistic';
  readonly stream: boolean;
  readonly concurrency: number;
  readonly bare: LoadResult;
  readonly gateway: LoadResult;
  /** The gateway's VmRSS right after its run of this cell. */
  readonly gatewayRssMb: number;
}

export interface MemoryRun {
  /** What ran: "gateway", "gateway (BUN_CONFIG_MAX_HTTP_REQUESTS=4096)", "bare proxy". */
  readonly label: string;
  readonly gateway: boolean;
  readonly shipped: boolean;
  /** The short stream load that warms the server up before the streams are held. */
  readonly warmup: LoadResult;
  readonly result: HoldResult;
}

export interface Verdict {
  readonly target: string;
  readonly met: boolean;
  readonly detail: string;
}

export interface Report {
  readonly environment: Record<string, string | number>;
  readonly settings: Record<string, string | number | boolean>;
  readonly cells: readonly (Cell & { readonly ratios: Ratios })[];
  readonly memory: readonly MemoryRun[];
  readonly verdicts: readonly Verdict[];
  readonly notes: readonly string[];
  /** Requests that failed on each side, warm-ups and held streams included; any on the gateway fails the run. */
  readonly failedRequests: { readonly gateway: number; readonly bare: number };
}

export interface Ratios {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Gateway TTFB p50 minus bare TTFB p50, streams only. */
  readonly addedTtfbMs: number | undefined;
  readonly ttfbP50: number | undefined;
}

export const cellName = (cell: Pick<Cell, 'upstream' | 'stream' | 'concurrency'>): string =>
  `${cell.upstream}/${cell.stream ? 'stream' : 'non-stream'}/${cell.concurrency}`;

function ratiosOf(cell: Cell): Ratios {
  return {
    rps: cell.gateway.rps / cell.bare.rps,
    p50: cell.gateway.p50Ms / cell.bare.p50Ms,
    p99: cell.gateway.p99Ms / cell.bare.p99Ms,
    addedTtfbMs: cell.stream ? cell.gateway.ttfbP50Ms - cell.bare.ttfbP50Ms : undefined,
    ttfbP50: cell.stream ? cell.gateway.ttfbP50Ms / cell.bare.ttfbP50Ms : undefined,
  };
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ms = (value: number): string => fixed(value, value < 10 ? 2 : value < 100 ? 1 : 0);
const times = (value: number): string => `${fixed(value, 2)}×`;
const mark = (met: boolean): string => (met ? '✅' : '❌');

function throughputTarget(cell: Cell): number {
  return cell.stream ? TARGETS.streamRatio : TARGETS.nonStreamRatio;
}

function verdicts(cells: readonly (Cell & { ratios: Ratios })[], memory: readonly MemoryRun[]): Verdict[] {
  const list: Verdict[] = [];
  for (const stream of [false, true]) {
    const chosen = cells.filter((cell) => cell.stream === stream);
    if (chosen.length === 0) continue;
    const target = stream ? TARGETS.streamRatio : TARGETS.nonStreamRatio;
    const missed = chosen.filter((cell) => !(cell.ratios.rps >= target));
    const worst = [...chosen].sort((left, right) => left.ratios.rps - right.ratios.rps)[0];
    list.push({
      target: `${stream ? 'streaming' : 'non-stream'} throughput ≥ ${target}× the bare proxy`,
      met: missed.length === 0,
      detail:
        missed.length === 0
          ? `met in all ${chosen.length} cells (lowest ${times(worst?.ratios.rps ?? Number.NaN)} at ${worst === undefined ? '' : cellName(worst)})`
          : `missed in ${missed.length} of ${chosen.length} cells: ${missed.map((cell) => `${cellName(cell)} ${times(cell.ratios.rps)}`).join(', ')}`,
    });
  }
  const ttfbCells = cells.filter((cell) => cell.stream && cell.concurrency === TARGETS.ttfbConcurrency);
  if (ttfbCells.length > 0) {
    const missed = ttfbCells.filter((cell) => !((cell.ratios.addedTtfbMs ?? Number.NaN) <= TARGETS.addedTtfbMs));
    list.push({
      target: `added time to first byte ≤ ${TARGETS.addedTtfbMs} ms at concurrency ${TARGETS.ttfbConcurrency} (p50)`,
      met: missed.length === 0,
      detail: ttfbCells.map((cell) => `${cell.upstream}: +${ms(cell.ratios.addedTtfbMs ?? Number.NaN)} ms (${ms(cell.bare.ttfbP50Ms)} → ${ms(cell.gateway.ttfbP50Ms)})`).join('; '),
    });
  }
  const shipped = memory.find((run) => run.gateway && run.shipped);
  if (shipped !== undefined) {
    const { result } = shipped;
    const allOpen = result.opened >= TARGETS.streams;
    const raised = memory.find((run) => run.gateway && !run.shipped);
    let detail = `${fixed(result.peakRssMb, 1)} MB peak with ${result.opened} of ${result.requested} streams open`;
    if (!allOpen) {
      detail += `; the gateway could not hold them all`;
      if (raised !== undefined) detail += ` (${raised.label}: ${fixed(raised.result.peakRssMb, 1)} MB with ${raised.result.opened} open)`;
    }
    list.push({ target: `gateway RSS < ${TARGETS.rssMb} MB with ${TARGETS.streams} open streams`, met: allOpen && result.peakRssMb < TARGETS.rssMb, detail });
  }
  return list;
}

export function buildReport(input: {
  environment: Record<string, string | number>;
  settings: Record<string, string | number | boolean>;
  cells: readonly Cell[];
  memory: readonly MemoryRun[];
  notes: readonly string[];
}): Report {
  const cells = input.cells.map((cell) => ({ ...cell, ratios: ratiosOf(cell) }));
  return { ...input, cells, verdicts: verdicts(cells, input.memory), failedRequests: failedRequests(input.cells, input.memory) };
}

function failedRequests(cells: readonly Cell[], memory: readonly MemoryRun[]): Report['failedRequests'] {
  const ofMemory = (gateway: boolean): number =>
    memory.filter((run) => run.gateway === gateway).reduce((sum, run) => sum + run.warmup.failures + run.result.failed, 0);
  return {
    gateway: cells.reduce((sum, cell) => sum + cell.gateway.failures, 0) + ofMemory(true),
    bare: cells.reduce((sum, cell) => sum + cell.bare.failures, 0) + ofMemory(false),
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[]): string {
  const separator = align.map((side) => (side === 'r' ? '---:' : '---'));
  return [header, separator, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const env = report.environment;
  out.push(
    `Bun ${env.bun} on ${env.cpus} × ${env.cpu}, ${env.os}. Each cell: ${report.settings.durationS} s per server in ${report.settings.rounds} ` +
      `alternating rounds after a ${report.settings.warmupS} s warm-up. Gateway on SQLite at log level ${report.settings.logLevel}, ` +
      `with billing (models priced at $${report.settings.priceInput} / $${report.settings.priceOutput} per 1M input / output tokens: ` +
      `every request reserved on its key and owner, then settled) and the request log on; ` +
      `client, upstream and server share the machine. p50/p99 are latencies to the last byte; TTFB is the first body byte.`,
  );
  const { gateway: gatewayFailed, bare: bareFailed } = report.failedRequests;
  if (gatewayFailed > 0 || bareFailed > 0) {
    out.push(
      '',
      `**❌ ${gatewayFailed} gateway and ${bareFailed} bare-proxy requests FAILED: the figures time failures as well as answers ` +
        `and are not a measurement of the gateway; the notes below give the first error of each cell.**`,
    );
  }
  if (report.cells.length > 0) {
    out.push('');
    const rows = report.cells.map((cell) => {
      const target = throughputTarget(cell);
      const ttfbTarget = cell.stream && cell.concurrency === TARGETS.ttfbConcurrency;
      const added = cell.ratios.addedTtfbMs;
      const failures = cell.bare.failures + cell.gateway.failures;
      return [
        cell.upstream,
        cell.stream ? 'stream' : 'non-stream',
        String(cell.concurrency),
        fixed(cell.bare.rps, 0),
        fixed(cell.gateway.rps, 0),
        `**${times(cell.ratios.rps)}** ${mark(cell.ratios.rps >= target)} ≥ ${target}`,
        `${ms(cell.bare.p50Ms)} / ${ms(cell.bare.p99Ms)}`,
        `${ms(cell.gateway.p50Ms)} / ${ms(cell.gateway.p99Ms)}`,
        `${times(cell.ratios.p50)} / ${times(cell.ratios.p99)}`,
        cell.stream ? `${ms(cell.bare.ttfbP50Ms)} / ${ms(cell.bare.ttfbP99Ms)}` : '—',
        cell.stream ? `${ms(cell.gateway.ttfbP50Ms)} / ${ms(cell.gateway.ttfbP99Ms)}` : '—',
        added === undefined ? '—' : `+${ms(added)}${ttfbTarget ? ` ${mark(added <= TARGETS.addedTtfbMs)} ≤ ${TARGETS.addedTtfbMs}` : ''}`,
        `${fixed(cell.bare.serverCpuUs, 0)} / ${fixed(cell.gateway.serverCpuUs, 0)}`,
        failures === 0 ? '0' : `**${failures}**`,
      ];
    });
    out.push(
      table(
        ['Upstream', 'Request', 'Conc.', 'Bare req/s', 'Gateway req/s', 'Gateway ÷ bare', 'Bare p50 / p99 ms', 'Gateway p50 / p99 ms', 'Latency × bare (p50 / p99)', 'Bare TTFB p50 / p99 ms', 'Gateway TTFB p50 / p99 ms', 'Added TTFB p50 ms', 'Server CPU µs/req (bare / gateway)', 'Errors'],
        rows,
        ['l', 'l', 'r', 'r', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r'],
      ),
    );
  }
  if (report.memory.length > 0) {
    out.push('');
    out.push(
      table(
        ['Server holding slow streams', 'Open / asked', 'Time to open all', 'RSS idle MB', 'Peak RSS MB (VmHWM)', 'Per stream kB', 'Target'],
        report.memory.map((run) => [
          run.label,
          `${run.result.opened} / ${run.result.requested}${run.result.failed > 0 ? ` (${run.result.failed} failed)` : ''}`,
          `${fixed(run.result.openMs / 1000, 1)} s`,
          fixed(run.result.idleRssMb, 1),
          fixed(run.result.peakRssMb, 1),
          fixed(run.result.perStreamKb, 0),
          run.gateway && run.shipped
            ? `${mark(run.result.opened >= TARGETS.streams && run.result.peakRssMb < TARGETS.rssMb)} < ${TARGETS.rssMb} MB at ${TARGETS.streams}`
            : '—',
        ]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
  }
  if (report.verdicts.length > 0) {
    out.push('', '**Targets**', '');
    for (const verdict of report.verdicts) out.push(`- ${mark(verdict.met)} ${verdict.met ? 'met' : 'MISSED'}: ${verdict.target} — ${verdict.detail}`);
  }
  const failures = report.cells.flatMap((cell) =>
    (['bare', 'gateway'] as const)
      .filter((side) => cell[side].failures > 0)
      .map((side) => `${side} ${cellName(cell)}: ${cell[side].failures} failed requests, first: ${cell[side].firstFailure ?? '?'}`),
  );
  const memoryFailures = report.memory.flatMap((run) => [
    ...(run.warmup.failures > 0 ? [`${run.label} warm-up: ${run.warmup.failures} failed requests, first: ${run.warmup.firstFailure ?? '?'}`] : []),
    ...(run.result.failed > 0 ? [`${run.label}: ${run.result.failed} streams failed, first: ${run.result.firstFailure ?? '?'}`] : []),
  ]);
  const notes = [...report.notes, ...failures, ...memoryFailures];
  if (notes.length > 0) {
    out.push('', '**Notes**', '');
    for (const note of notes) out.push(`- ${note}`);
  }
  return `${out.join('\n')}\n`;
}
