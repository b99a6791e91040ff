CREATE TABLE `inventory_configs` (
	`id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`version` integer NOT NULL,
	`content` text NOT NULL,
	`source` text NOT NULL,
	`job_id` text,
	`note` text,
	`created_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inventory_configs_version_unique` ON `inventory_configs` (`item_id`,`version`);--> statement-breakpoint
CREATE TABLE `inventory_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`mode` text NOT NULL,
	`total_rows` integer NOT NULL,
	`imported` integer NOT NULL,
	`rejected` integer NOT NULL,
	`errors` text NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inventory_items` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`fields` text NOT NULL,
	`secrets` text,
	`location` text,
	`supplier` text,
	`cost_amount` integer,
	`currency` text,
	`customer_id` text,
	`service_id` text,
	`reserved_until` text,
	`notes` text,
	`import_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`type`) REFERENCES `inventory_templates`(`slug`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `inventory_items_type_status_idx` ON `inventory_items` (`type`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `inventory_items_status_idx` ON `inventory_items` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `inventory_items_service_idx` ON `inventory_items` (`service_id`);--> statement-breakpoint
CREATE INDEX `inventory_items_customer_idx` ON `inventory_items` (`customer_id`);--> statement-breakpoint
CREATE INDEX `inventory_items_location_idx` ON `inventory_items` (`location`);--> statement-breakpoint
CREATE TABLE `inventory_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inventory_keys_item_idx` ON `inventory_keys` (`item_id`);--> statement-breakpoint
CREATE TABLE `inventory_templates` (
	`slug` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`fields` text NOT NULL,
	`built_in` integer NOT NULL,
	`low_stock_threshold` integer,
	`low_stock_alerted_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ip_allocations` (
	`id` text PRIMARY KEY NOT NULL,
	`block_id` text NOT NULL,
	`service_id` text,
	`family` integer NOT NULL,
	`cidr` text NOT NULL,
	`start_key` text NOT NULL,
	`end_key` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ip_allocations_block_idx` ON `ip_allocations` (`block_id`,`start_key`);--> statement-breakpoint
CREATE INDEX `ip_allocations_service_idx` ON `ip_allocations` (`service_id`);