CREATE TABLE `job_events` (
	`job_id` text NOT NULL,
	`seq` integer NOT NULL,
	`attempt` integer NOT NULL,
	`at` text NOT NULL,
	`task` text NOT NULL,
	`status` text NOT NULL,
	`message` text,
	`duration_ms` integer,
	PRIMARY KEY(`job_id`, `seq`)
);
--> statement-breakpoint
ALTER TABLE `jobs` ADD `not_before` text;