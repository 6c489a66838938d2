/**
 * Version and build commit. `scripts/build.ts` defines __GATEWAY_COMMIT__ and __GATEWAY_BUILT_AT__ in the
 * compiled binary; running from source asks git, or says "unknown".
 */
import packageJson from '../package.json' with { type: 'json' };

declare const __GATEWAY_COMMIT__: string | undefined;
declare const __GATEWAY_BUILT_AT__: string | undefined;

function sourceCommit(): string {
  try {
    const result = Bun.spawnSync(['git', 'rev-parse', '--short=12', 'HEAD'], { cwd: import.meta.dir, stderr: 'ignore' });
    const commit = result.stdout.toString().trim();
    return result.exitCode === 0 && commit !== '' ? commit : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const version: string = packageJson.version;
export const commit: string = typeof __GATEWAY_COMMIT__ === 'string' ? __GATEWAY_COMMIT__ : sourceCommit();
export const builtAt: string | undefined = typeof __GATEWAY_BUILT_AT__ === 'string' ? __GATEWAY_BUILT_AT__ : undefined;

export function versionLine(): string {
  return `gateway ${version} (commit ${commit}${builtAt === undefined ? ', from source' : `, built ${builtAt}`})`;
}
