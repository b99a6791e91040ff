CREATE TABLE `stuck_writes` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`op_seq` integer NOT NULL,
	`op_key` text NOT NULL,
	`error` text NOT NULL,
	`summary` text NOT NULL,
	`rolled_back` text,
	`created_at` text NOT NULL,
	`resolved_at` text,
	`resolved_by` text,
	`resolution` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stuck_writes_op_idx` ON `stuck_writes` (`service_id`,`op_seq`);--> statement-breakpoint
CREATE INDEX `stuck_writes_open_idx` ON `stuck_writes` (`resolved_at`,`created_at`);