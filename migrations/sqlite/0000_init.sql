CREATE TABLE `abilities` (
	`group` text NOT NULL,
	`model` text NOT NULL,
	`channel_id` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`weight` integer DEFAULT 1 NOT NULL,
	`tag` text,
	PRIMARY KEY(`group`, `model`, `channel_id`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `abilities_channel_idx` ON `abilities` (`channel_id`);--> statement-breakpoint
CREATE TABLE `access_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`token_prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`expires_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `access_tokens_hash_unique` ON `access_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `audit_logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`actor_user_id` integer,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`ip` text,
	`detail` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_logs_created_idx` ON `audit_logs` (`created_at`);--> statement-breakpoint
CREATE TABLE `channel_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel_id` integer NOT NULL,
	`position` integer NOT NULL,
	`key_ciphertext` text NOT NULL,
	`key_hint` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`disabled_reason` text,
	`disabled_at` integer,
	`used_amount` integer DEFAULT 0 NOT NULL,
	`request_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channel_keys_channel_position_unique` ON `channel_keys` (`channel_id`,`position`);--> statement-breakpoint
CREATE TABLE `channels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`legacy_type` integer,
	`base_url` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`weight` integer DEFAULT 1 NOT NULL,
	`models` text DEFAULT '[]' NOT NULL,
	`groups` text DEFAULT '["default"]' NOT NULL,
	`model_mapping` text DEFAULT '{}' NOT NULL,
	`status_code_mapping` text DEFAULT '{}' NOT NULL,
	`test_model` text,
	`tag` text,
	`key_mode` text DEFAULT 'random' NOT NULL,
	`auto_ban` integer DEFAULT true NOT NULL,
	`allow_private` text,
	`settings` text DEFAULT '{}' NOT NULL,
	`remark` text DEFAULT '' NOT NULL,
	`balance_usd` text,
	`balance_updated_at` integer,
	`used_amount` integer DEFAULT 0 NOT NULL,
	`request_count` integer DEFAULT 0 NOT NULL,
	`response_time_ms` integer,
	`tested_at` integer,
	`disabled_reason` text,
	`disabled_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channels_name_unique` ON `channels` (`name`);--> statement-breakpoint
CREATE INDEX `channels_tag_idx` ON `channels` (`tag`);--> statement-breakpoint
CREATE TABLE `groups` (
	`name` text PRIMARY KEY NOT NULL,
	`multiplier_ppm` integer DEFAULT 1000000 NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `holds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`user_id` integer NOT NULL,
	`token_id` integer,
	`amount` integer NOT NULL,
	`state` text DEFAULT 'open' NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `holds_request_id_unique` ON `holds` (`request_id`);--> statement-breakpoint
CREATE INDEX `holds_state_expires_idx` ON `holds` (`state`,`expires_at`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`user_id` integer NOT NULL,
	`token_id` integer,
	`amount` integer NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_entries_kind_external_unique` ON `ledger_entries` (`kind`,`external_id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_user_idx` ON `ledger_entries` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`type` integer NOT NULL,
	`request_id` text,
	`user_id` integer,
	`username` text,
	`token_id` integer,
	`token_name` text,
	`channel_id` integer,
	`channel_name` text,
	`group` text,
	`model_name` text,
	`upstream_model` text,
	`is_stream` integer DEFAULT false NOT NULL,
	`status` integer,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost` integer DEFAULT 0 NOT NULL,
	`latency_ms` integer,
	`first_token_ms` integer,
	`error_code` text,
	`content` text DEFAULT '' NOT NULL,
	`ip` text,
	`other` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `logs_created_idx` ON `logs` (`created_at`);--> statement-breakpoint
CREATE INDEX `logs_user_created_idx` ON `logs` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `logs_token_created_idx` ON `logs` (`token_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `logs_channel_created_idx` ON `logs` (`channel_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `logs_model_created_idx` ON `logs` (`model_name`,`created_at`);--> statement-breakpoint
CREATE INDEX `logs_request_id_idx` ON `logs` (`request_id`);--> statement-breakpoint
CREATE TABLE `model_aliases` (
	`alias` text PRIMARY KEY NOT NULL,
	`target` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `prices` (
	`model` text PRIMARY KEY NOT NULL,
	`input_per_million` integer,
	`output_per_million` integer,
	`cached_input_per_million` integer,
	`cache_write_per_million` integer,
	`per_call` integer,
	`extra` text DEFAULT '{}' NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `redemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`code_hash` text NOT NULL,
	`code_prefix` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`amount` integer NOT NULL,
	`created_by` integer,
	`used_by` integer,
	`created_at` integer NOT NULL,
	`redeemed_at` integer,
	`expires_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_code_hash_unique` ON `redemptions` (`code_hash`);--> statement-breakpoint
CREATE TABLE `revisions` (
	`scope` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`auth_version` integer NOT NULL,
	`ip` text,
	`user_agent` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `system_info` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`unlimited` integer DEFAULT false NOT NULL,
	`balance` integer DEFAULT 0 NOT NULL,
	`held` integer DEFAULT 0 NOT NULL,
	`used_amount` integer DEFAULT 0 NOT NULL,
	`request_count` integer DEFAULT 0 NOT NULL,
	`models` text DEFAULT '[]' NOT NULL,
	`allow_ips` text DEFAULT '[]' NOT NULL,
	`group` text,
	`cross_group_retry` integer DEFAULT false NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`accessed_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "tokens_held_range" CHECK("tokens"."held" >= 0 AND ("tokens"."unlimited" = 1 OR "tokens"."held" <= "tokens"."balance"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_key_hash_unique` ON `tokens` (`key_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_user_name_unique` ON `tokens` (`user_id`,`name`);--> statement-breakpoint
CREATE INDEX `tokens_user_idx` ON `tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `usage_hourly` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hour` integer NOT NULL,
	`user_id` integer NOT NULL,
	`token_id` integer NOT NULL,
	`channel_id` integer NOT NULL,
	`model_name` text NOT NULL,
	`group` text NOT NULL,
	`node_name` text NOT NULL,
	`request_count` integer DEFAULT 0 NOT NULL,
	`error_count` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`cost` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_hourly_bucket_unique` ON `usage_hourly` (`hour`,`user_id`,`token_id`,`channel_id`,`model_name`,`group`,`node_name`);--> statement-breakpoint
CREATE INDEX `usage_hourly_hour_idx` ON `usage_hourly` (`hour`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`display_name` text DEFAULT '' NOT NULL,
	`email` text,
	`password_hash` text NOT NULL,
	`role` integer DEFAULT 1 NOT NULL,
	`status` integer DEFAULT 1 NOT NULL,
	`group` text DEFAULT 'default' NOT NULL,
	`balance` integer DEFAULT 0 NOT NULL,
	`held` integer DEFAULT 0 NOT NULL,
	`used_amount` integer DEFAULT 0 NOT NULL,
	`request_count` integer DEFAULT 0 NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`remark` text DEFAULT '' NOT NULL,
	`auth_version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`last_login_at` integer,
	`deleted_at` integer,
	CONSTRAINT "users_held_range" CHECK("users"."held" >= 0 AND "users"."held" <= "users"."balance")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);