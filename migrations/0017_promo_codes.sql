CREATE TABLE `promo_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`description` text,
	`kind` text NOT NULL,
	`value` integer NOT NULL,
	`months` integer NOT NULL,
	`valid_from` text,
	`valid_until` text,
	`max_redemptions` integer,
	`redemptions` integer NOT NULL,
	`eligible_products` text NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promo_codes_code_unique` ON `promo_codes` (`code`);--> statement-breakpoint
CREATE TABLE `service_discounts` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`promo_code_id` text NOT NULL,
	`label` text NOT NULL,
	`kind` text NOT NULL,
	`value` integer NOT NULL,
	`months` integer NOT NULL,
	`starts` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_discounts_unique` ON `service_discounts` (`service_id`,`promo_code_id`);--> statement-breakpoint
CREATE INDEX `service_discounts_customer_idx` ON `service_discounts` (`customer_id`);