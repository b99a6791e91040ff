CREATE TABLE `customer_backup_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`used_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `customer_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `customer_backup_codes_account_idx` ON `customer_backup_codes` (`account_id`);--> statement-breakpoint
ALTER TABLE `customer_accounts` ADD `totp_secret` text;--> statement-breakpoint
ALTER TABLE `customer_accounts` ADD `totp_enabled_at` text;--> statement-breakpoint
ALTER TABLE `customer_accounts` ADD `totp_last_step` integer;