/**
 * `bun run build`: compiles the whole gateway — CLI, server, embedded migrations — into one executable,
 * dist/gateway, that runs without Bun or node_modules. The version comes from package.json; the commit and
 * build time are defined into the binary so `gateway --version` can say exactly what is running.
 *
 * The console (ui/web) joins here once it exists: build it with Vite, generate its embed manifest, then compile.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { BunPlugin } from 'bun';

const root = join(import.meta.dir, '..');

export interface BuildOptions {
  outfile?: string;
  /** Test hook: the commit to stamp instead of asking git. */
  commit?: string;
}

function git(args: readonly string[]): string | undefined {
  try {
    const result = Bun.spawnSync(['git', ...args], { cwd: root, stdout: 'pipe', stderr: 'ignore' });
    return result.exitCode === 0 ? result.stdout.toString().trim() : undefined;
  } catch {
    // git is not installed.
    return undefined;
  }
}

/**
 * `git rev-parse --short=12 HEAD`, plus `-dirty` when the tree has changes — untracked files included, since
 * a new source file is compiled in just like an edited one (.gitignore keeps dist/ and data/ out of it).
 * `unknown` without git or outside a repository.
 */
export function buildCommit(): string {
  const head = git(['rev-parse', '--short=12', 'HEAD']);
  if (head === undefined || head === '') return 'unknown';
  const status = git(['status', '--porcelain']);
  return status === undefined || status === '' ? head : `${head}-dirty`;
}

/**
 * Ink imports `react-devtools-core` (not installed) from its devtools module, loaded only when DEV=true.
 * The bundler would still try to resolve it, so it becomes an empty module: the binary never opens devtools.
 */
const stubOptionalModules: BunPlugin = {
  name: 'stub-optional-modules',
  setup(build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, (args) => ({ path: args.path, namespace: 'gateway-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'gateway-stub' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
      loader: 'js',
    }));
  },
};

export async function build(options: BuildOptions = {}): Promise<{ outfile: string; commit: string; builtAt: string; bytes: number }> {
  const outfile = options.outfile ?? join(root, 'dist', 'gateway');
  const commit = options.commit ?? buildCommit();
  const builtAt = new Date().toISOString();
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await Bun.build({
    entrypoints: [join(root, 'cli', 'main.ts')],
    target: 'bun',
    compile: {
      outfile,
      // The binary reads its settings from flags, the environment and gateway.toml only; a stray .env or
      // bunfig.toml in whatever directory it is started from must not change its behaviour.
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    define: {
      __GATEWAY_COMMIT__: JSON.stringify(commit),
      __GATEWAY_BUILT_AT__: JSON.stringify(builtAt),
      // Libraries (Elysia among them) switch off development behaviour on this.
      'process.env.NODE_ENV': JSON.stringify('production'),
    },
    minify: true,
    // Embedded (zstd) in the executable, so stack traces in logs point at the TypeScript sources. Bun also
    // writes gateway.map beside it, for other tools; the binary does not need that file.
    sourcemap: 'linked',
    plugins: [stubOptionalModules],
  });
  if (!result.success) {
    const messages = result.logs.map((log) => String(log)).join('\n');
    throw new Error(`build failed:\n${messages}`);
  }
  chmodSync(outfile, 0o755);
  return { outfile, commit, builtAt, bytes: statSync(outfile).size };
}

if (import.meta.main) {
  const started = performance.now();
  const built = await build();
  const megabytes = (built.bytes / 1024 / 1024).toFixed(1);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`built ${relative(process.cwd(), built.outfile)} (${megabytes} MiB, commit ${built.commit}) in ${seconds} s\n`);
}
