ALTER TABLE `bill_runs` ADD `send` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `invoices` ADD `email_status` text;