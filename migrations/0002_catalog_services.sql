CREATE TABLE `balance_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`bucket_id` text NOT NULL,
	`seq` integer NOT NULL,
	`unit` text NOT NULL,
	`amount` integer NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`reference` text,
	`at` text NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `balance_ledger_key_unique` ON `balance_ledger` (`service_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `balance_ledger_service_idx` ON `balance_ledger` (`service_id`,`seq`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`service_id` text,
	`payload` text NOT NULL,
	`attempts` integer NOT NULL,
	`max_attempts` integer NOT NULL,
	`lease_id` text,
	`lease_expires_at` text,
	`result` text,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `jobs_status_idx` ON `jobs` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_service_idx` ON `jobs` (`service_id`,`id`);--> statement-breakpoint
CREATE TABLE `product_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`version` integer NOT NULL,
	`retail_price` integer NOT NULL,
	`wholesale_price` integer NOT NULL,
	`retail_setup_fee` integer NOT NULL,
	`wholesale_setup_fee` integer NOT NULL,
	`included_balances` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_versions_unique` ON `product_versions` (`product_id`,`version`);--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`description` text,
	`type` text NOT NULL,
	`service_type` text NOT NULL,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`tax_class` text NOT NULL,
	`recurring_period` text NOT NULL,
	`prorate` integer NOT NULL,
	`provisioning_play` text,
	`provisioning_json_vars` text NOT NULL,
	`required_inventory` text NOT NULL,
	`cgrates` text NOT NULL,
	`components` text NOT NULL,
	`compatible_with` text NOT NULL,
	`promotion` text,
	`eligibility` text NOT NULL,
	`allow_negative` integer NOT NULL,
	`low_balance_thresholds` text NOT NULL,
	`current_version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_slug_unique` ON `products` (`slug`);--> statement-breakpoint
CREATE TABLE `service_addons` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`product_id` text NOT NULL,
	`product_version_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `service_addons_service_idx` ON `service_addons` (`service_id`);--> statement-breakpoint
CREATE TABLE `service_buckets` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`unit` text NOT NULL,
	`amount` integer NOT NULL,
	`pending_amount` integer NOT NULL,
	`expires_at` text,
	`source` text NOT NULL,
	`seq` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `service_buckets_service_idx` ON `service_buckets` (`service_id`);--> statement-breakpoint
CREATE TABLE `services` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`product_id` text NOT NULL,
	`product_version_id` text NOT NULL,
	`site_id` text,
	`contact_id` text,
	`parent_service_id` text,
	`status` text NOT NULL,
	`identifiers` text NOT NULL,
	`vars` text NOT NULL,
	`activated_at` text,
	`terminated_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_version_id`) REFERENCES `product_versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `services_customer_idx` ON `services` (`customer_id`,`id`);--> statement-breakpoint
CREATE INDEX `services_status_idx` ON `services` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `services_parent_idx` ON `services` (`parent_service_id`);--> statement-breakpoint
CREATE TABLE `tax_rates` (
	`id` text PRIMARY KEY NOT NULL,
	`tax_class` text NOT NULL,
	`name` text NOT NULL,
	`rate_bp` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tax_rates_tax_class_unique` ON `tax_rates` (`tax_class`);--> statement-breakpoint
CREATE TABLE `transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`service_id` text,
	`kind` text NOT NULL,
	`description` text NOT NULL,
	`date` text NOT NULL,
	`amount` integer NOT NULL,
	`tax_amount` integer NOT NULL,
	`tax_rate_bp` integer NOT NULL,
	`wholesale_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`invoice_id` text,
	`reverses_id` text,
	`source_key` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_source_key_unique` ON `transactions` (`source_key`);--> statement-breakpoint
CREATE INDEX `transactions_customer_idx` ON `transactions` (`customer_id`,`id`);--> statement-breakpoint
CREATE INDEX `transactions_service_idx` ON `transactions` (`service_id`,`id`);--> statement-breakpoint
CREATE TABLE `usage_records` (
	`service_id` text NOT NULL,
	`day` text NOT NULL,
	`unit` text NOT NULL,
	`amount` integer NOT NULL,
	PRIMARY KEY(`service_id`, `day`, `unit`),
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
