/**
 * What the CLI's commands use, as one interface with two implementations: the local services on the configured
 * database (here), and the same calls over a remote gateway's admin API (./remote/services.ts) when `--server`
 * is given. Commands see only this interface and print what it answers, so a command prints the same table
 * and JSON in both modes.
 */
import type { Clock } from '../src/clock.ts';
import type { Deps } from '../src/deps.ts';
import { type ChannelTestDeps, type ChannelTestResult, testChannel, testChannelKeys } from '../src/relay/channel-test.ts';
import { isPeriodicallyTested } from '../src/relay/channel-tester.ts';
import { createDispatcher } from '../src/relay/dispatch.ts';
import { type AuditService, createAuditService } from '../src/services/audit.ts';
import { createChannelHealthService } from '../src/services/channel-health.ts';
import { type LogFilter, type LogPage, type LogView, latestLogId, queryLogs, readLogsAfter } from '../src/services/logs.ts';
import { checkLedger, type LedgerReport } from '../src/services/ledger-check.ts';
import { listServedModels, type ServedModelView } from '../src/services/served-models.ts';
import type { ChannelService } from '../src/services/channels.ts';
import { createModelAliasService, type ModelAliasService } from '../src/services/model-aliases.ts';
import type { PriceService } from '../src/services/prices.ts';
import type { RedemptionService } from '../src/services/redemptions.ts';
import type { SettingsService } from '../src/services/settings.ts';
import type { TokenService } from '../src/services/tokens.ts';
import { createTwoFactorService, type TwoFactorService } from '../src/services/two-factor.ts';
import { queryUsage, type UsageQuery, type UsageReport } from '../src/services/usage.ts';
import type { UserService } from '../src/services/users.ts';

export interface ChannelTestOptions {
  model?: string;
  allKeys?: boolean;
}

/** `gateway channel test`: one channel, or every enabled and auto-disabled one (id order, one after another). */
export interface ChannelTests {
  test(ref: string, options: ChannelTestOptions): Promise<ChannelTestResult[]>;
  testAll(options: ChannelTestOptions): Promise<ChannelTestResult[]>;
}

/** `gateway logs`: request rows, newest first, and the reads `--follow` polls with. */
export interface LogReads {
  query(filter: LogFilter): Promise<LogView[]>;
  /** The id `--follow` starts after: rows up to it are printed from query(), later ones from readAfter(). */
  latestId(): Promise<number>;
  /** The next matching rows after `afterId`, oldest first. */
  readAfter(filter: LogFilter, afterId: number): Promise<LogPage>;
}

export interface CliServices {
  readonly channels: Pick<ChannelService, 'add' | 'list' | 'get' | 'update' | 'setEnabled' | 'remove'>;
  readonly channelTests: ChannelTests;
  readonly tokens: Pick<TokenService, 'create' | 'list' | 'get' | 'update' | 'setEnabled' | 'remove'>;
  readonly users: Pick<UserService, 'create' | 'list' | 'get' | 'update' | 'setEnabled' | 'remove' | 'topup'>;
  readonly twoFactor: Pick<TwoFactorService, 'reset'>;
  readonly redemptions: Pick<RedemptionService, 'create' | 'list' | 'get' | 'disable' | 'remove' | 'redeem'>;
  readonly settings: Pick<SettingsService, 'list' | 'set' | 'reset'>;
  readonly prices: Pick<PriceService, 'list' | 'get' | 'resolve' | 'set' | 'remove' | 'reset' | 'importNewApi' | 'listGroups' | 'setGroup' | 'removeGroup'>;
  readonly modelAliases: Pick<ModelAliasService, 'add' | 'list' | 'remove'>;
  readonly audit: Pick<AuditService, 'page'>;
  readonly usage: { query(query: UsageQuery): Promise<UsageReport> };
  readonly logs: LogReads;
  readonly servedModels: { list(): Promise<ServedModelView[]> };
  /** `gateway ledger check`: the G4 checker on the gateway's database. */
  readonly ledger: { check(): Promise<LedgerReport> };
  readonly clock: Clock;
}

function localChannelTests(deps: Deps): ChannelTests {
  let testDeps: ChannelTestDeps | undefined;
  const depsOfTest = (): ChannelTestDeps => {
    testDeps ??= { ...deps, dispatcher: createDispatcher({}), health: createChannelHealthService({ store: deps.store, cipher: deps.cipher, clock: deps.clock }) };
    return testDeps;
  };
  const runOne = async (ref: string | number, options: ChannelTestOptions): Promise<ChannelTestResult[]> =>
    options.allKeys === true ? testChannelKeys(depsOfTest(), ref, { model: options.model }) : [await testChannel(depsOfTest(), ref, { model: options.model })];
  return {
    test: (ref, options) => runOne(ref, options),
    async testAll(options) {
      const tested: ChannelTestResult[] = [];
      for (const view of (await deps.channels.list()).filter(isPeriodicallyTested)) tested.push(...(await runOne(view.id, options)));
      return tested;
    },
  };
}

/** The local implementation: the services on the configured database (`deps` already records the CLI's audit rows). */
export function localServices(deps: Deps): CliServices {
  return {
    channels: deps.channels,
    channelTests: localChannelTests(deps),
    tokens: deps.tokens,
    users: deps.users,
    twoFactor: createTwoFactorService(deps),
    redemptions: deps.redemptions,
    settings: deps.settings,
    prices: deps.prices,
    modelAliases: createModelAliasService(deps),
    audit: createAuditService(deps),
    usage: { query: (query) => queryUsage(deps.store, query) },
    logs: {
      query: (filter) => queryLogs(deps.store, filter),
      latestId: () => latestLogId(deps.store),
      readAfter: (filter, afterId) => readLogsAfter(deps.store, filter, afterId),
    },
    servedModels: { list: () => listServedModels(deps) },
    ledger: { check: () => checkLedger(deps.store, deps.clock.now()) },
    clock: deps.clock,
  };
}
