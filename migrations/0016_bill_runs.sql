CREATE TABLE `bill_run_errors` (
	`bill_run_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`message` text NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`bill_run_id`, `customer_id`)
);
--> statement-breakpoint
CREATE TABLE `bill_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`period_start` text NOT NULL,
	`period_end` text NOT NULL,
	`trigger` text NOT NULL,
	`issue` integer NOT NULL,
	`status` text NOT NULL,
	`job_id` text,
	`cursor` text,
	`customers_total` integer NOT NULL,
	`customers_done` integer NOT NULL,
	`sequence_base` integer,
	`created_by` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bill_runs_period_idx` ON `bill_runs` (`period_start`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `bill_runs_cron_unique` ON `bill_runs` (`period_start`) WHERE "bill_runs"."trigger" = 'cron';--> statement-breakpoint
ALTER TABLE `invoices` ADD `bill_run_id` text;--> statement-breakpoint
CREATE INDEX `invoices_bill_run_idx` ON `invoices` (`bill_run_id`,`customer_id`);