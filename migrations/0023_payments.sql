CREATE TABLE `dunning` (
	`invoice_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`step` integer NOT NULL,
	`next_at` text,
	`last_payment_id` text,
	`suspended_at` text,
	`suspended_services` text,
	`resolved_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dunning_due_idx` ON `dunning` (`status`,`next_at`);--> statement-breakpoint
CREATE INDEX `dunning_customer_idx` ON `dunning` (`customer_id`);--> statement-breakpoint
CREATE TABLE `payment_methods` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`stripe_payment_method_id` text NOT NULL,
	`brand` text NOT NULL,
	`last4` text NOT NULL,
	`exp_month` integer NOT NULL,
	`exp_year` integer NOT NULL,
	`nickname` text,
	`is_default` integer NOT NULL,
	`status` text NOT NULL,
	`expiry_reminded_at` text,
	`removed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_methods_stripe_unique` ON `payment_methods` (`stripe_payment_method_id`);--> statement-breakpoint
CREATE INDEX `payment_methods_customer_idx` ON `payment_methods` (`customer_id`,`status`);--> statement-breakpoint
CREATE INDEX `payment_methods_expiry_idx` ON `payment_methods` (`status`,`exp_year`,`exp_month`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`purpose` text NOT NULL,
	`invoice_id` text,
	`service_id` text,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`method` text NOT NULL,
	`payment_method_id` text,
	`provider_id` text,
	`reference` text,
	`failure_code` text,
	`failure_message` text,
	`refunded_amount` integer NOT NULL,
	`top_up` text,
	`topped_up_at` text,
	`top_up_job_id` text,
	`origin` text NOT NULL,
	`request_key` text,
	`created_by` text NOT NULL,
	`succeeded_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_provider_unique` ON `payments` (`provider_id`) WHERE "payments"."provider_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `payments_request_key_unique` ON `payments` (`request_key`) WHERE "payments"."request_key" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `payments_customer_idx` ON `payments` (`customer_id`,`id`);--> statement-breakpoint
CREATE INDEX `payments_invoice_idx` ON `payments` (`invoice_id`,`status`);--> statement-breakpoint
CREATE INDEX `payments_status_idx` ON `payments` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`reason` text NOT NULL,
	`provider_id` text,
	`credit_note_id` text,
	`failure_message` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`payment_id`) REFERENCES `payments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_provider_unique` ON `refunds` (`provider_id`) WHERE "refunds"."provider_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `refunds_payment_idx` ON `refunds` (`payment_id`);--> statement-breakpoint
CREATE INDEX `refunds_status_idx` ON `refunds` (`status`,`updated_at`);--> statement-breakpoint
DROP INDEX `invoices_period_unique`;--> statement-breakpoint
ALTER TABLE `invoices` ADD `source` text;--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_source_unique` ON `invoices` (`source`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_period_unique` ON `invoices` (`customer_id`,`period_start`,`period_end`,`series`,`currency`) WHERE "invoices"."kind" = 'invoice' AND "invoices"."status" != 'void' AND "invoices"."source" IS NULL;--> statement-breakpoint
ALTER TABLE `customers` ADD `stripe_customer_id` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `auto_pay` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `customers_stripe_unique` ON `customers` (`stripe_customer_id`);