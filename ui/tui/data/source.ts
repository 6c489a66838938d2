/**
 * What the terminal UI reads and changes, and nothing else: the screens only ever talk to a `TuiDataSource`.
 * `local-source.ts` implements it on the configured database through the services (what `gateway tui` runs
 * today); a remote implementation over the admin API (`gateway tui --server URL --token PAT`) plugs in here
 * without touching a screen. Every value crossing this interface is plain JSON-able data (the services' view
 * types), and every failure is a `GatewayError` whose `field` names the input it is about ('--name' …), so
 * forms can show it next to the field whichever side produced it.
 */
import type { ChannelTestResult } from '../../../src/relay/channel-test.ts';
import type { ChannelInput, ChannelPatch, ChannelView } from '../../../src/services/channels.ts';
import type { LogView, MinuteActivity } from '../../../src/services/logs.ts';
import type { CreatedRedemptions, CreateRedemptionsInput, RedemptionView } from '../../../src/services/redemptions.ts';
import type { CreateTokenInput, TokenPatch, TokenView } from '../../../src/services/tokens.ts';
import type { UsageDimension, UsageReport } from '../../../src/services/usage.ts';
import type { CreateUserInput, TopupResult, UserView } from '../../../src/services/users.ts';

export type { ChannelTestResult, ChannelInput, ChannelPatch, ChannelView, LogView, MinuteActivity, RedemptionView, TokenView, UserView, UsageReport };

/** Filters of the live log; references are ids or names, as with `gateway logs`. */
export interface LogTailFilter {
  user?: string;
  key?: string;
  model?: string;
  channel?: string;
  errorsOnly?: boolean;
}

export interface LogTail {
  /** Newest first. */
  views: LogView[];
  /** Pass it back as `afterId` to get only rows written since. */
  lastId: number;
}

export interface TuiDataSource {
  /** Shown in the header: where the data comes from ("local · sqlite data/gateway.db", "remote · https://…"; never a secret). */
  readonly description: string;
  /** The data source's clock (epoch ms): windows such as "today" and "the last hour" are computed from it. */
  now(): number;

  readonly channels: {
    list(): Promise<ChannelView[]>;
    add(input: ChannelInput): Promise<ChannelView>;
    update(id: number, patch: ChannelPatch): Promise<ChannelView>;
    setEnabled(id: number, enabled: boolean): Promise<ChannelView>;
    remove(id: number): Promise<ChannelView>;
    /** One minimal real request with the channel's first enabled key, as `gateway channel test`. */
    test(id: number): Promise<ChannelTestResult>;
  };

  readonly keys: {
    list(): Promise<TokenView[]>;
    /** The full key is in `key`, this once. */
    create(input: CreateTokenInput): Promise<{ token: TokenView; key: string }>;
    update(id: number, patch: TokenPatch): Promise<TokenView>;
    setEnabled(id: number, enabled: boolean): Promise<TokenView>;
    remove(id: number): Promise<TokenView>;
  };

  readonly users: {
    list(): Promise<UserView[]>;
    /** A generated password is in `password`, this once. */
    create(input: CreateUserInput): Promise<{ user: UserView; password?: string }>;
    topup(id: number, usd: string): Promise<TopupResult>;
    setEnabled(id: number, enabled: boolean): Promise<UserView>;
  };

  readonly redemptions: {
    list(): Promise<RedemptionView[]>;
    /** The full codes are in `codes`, this once. */
    create(input: CreateRedemptionsInput): Promise<CreatedRedemptions>;
    disable(id: number): Promise<RedemptionView>;
  };

  readonly logs: {
    /** Without `afterId`: the latest `limit` matching rows; with it, the matching rows written after it. */
    tail(filter: LogTailFilter, options: { afterId?: number; limit: number }): Promise<LogTail>;
    /**
     * One row in full, for the detail view, when `tail`'s rows lack something (over the admin API the list
     * leaves out the retry chain and the other details); without it the tailed row is shown as it is.
     */
    detail?(id: number): Promise<LogView>;
  };

  readonly stats: {
    /** Per-minute request activity since `since`, oldest first (minutes without requests left out). */
    activity(since: number): Promise<MinuteActivity[]>;
    /** Sums per model, user, key or channel since `since` (whole UTC hours), most expensive first. */
    usage(by: UsageDimension, since: number): Promise<UsageReport>;
  };

  close(): Promise<void>;
}
