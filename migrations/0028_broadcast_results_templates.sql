CREATE TABLE `broadcast_cell_results` (
	`broadcast_id` text NOT NULL,
	`message_id` integer NOT NULL,
	`peer` text NOT NULL,
	`cell` text NOT NULL,
	`result` text NOT NULL,
	`cause` integer,
	`completed` integer,
	`requested` integer,
	`reported_at` text NOT NULL,
	PRIMARY KEY(`broadcast_id`, `message_id`, `peer`, `cell`),
	FOREIGN KEY (`broadcast_id`) REFERENCES `broadcasts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `broadcast_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`body` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`author_label` text NOT NULL,
	`archived_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `broadcast_templates_name_unique` ON `broadcast_templates` (`name`);--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `supersedes_id` text;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `template_id` text;--> statement-breakpoint
ALTER TABLE `broadcasts` ADD `results_at` text;--> statement-breakpoint
CREATE INDEX `broadcasts_expiry_idx` ON `broadcasts` (`status`,`expires_at`);