CREATE TABLE `broadcast_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`broadcast_id` text NOT NULL,
	`language` text NOT NULL,
	`text` text NOT NULL,
	`encoding` text NOT NULL,
	`pages` integer NOT NULL,
	`message_id` integer NOT NULL,
	FOREIGN KEY (`broadcast_id`) REFERENCES `broadcasts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `broadcast_messages_broadcast_idx` ON `broadcast_messages` (`broadcast_id`);--> statement-breakpoint
CREATE TABLE `broadcasts` (
	`id` text PRIMARY KEY NOT NULL,
	`identifier` text NOT NULL,
	`sender` text NOT NULL,
	`status` text NOT NULL,
	`cap_status` text NOT NULL,
	`event` text NOT NULL,
	`category` text NOT NULL,
	`urgency` text NOT NULL,
	`severity` text NOT NULL,
	`certainty` text NOT NULL,
	`message_id` integer NOT NULL,
	`message_id_overridden` integer NOT NULL,
	`area` text NOT NULL,
	`target_cells` text NOT NULL,
	`plmns` text NOT NULL,
	`repetition_period` integer NOT NULL,
	`num_of_bcast` integer NOT NULL,
	`msg_code` integer NOT NULL,
	`update_nr` integer NOT NULL,
	`expires_at` text NOT NULL,
	`cap` text NOT NULL,
	`author_id` text,
	`author_label` text NOT NULL,
	`approver_id` text,
	`approver_label` text,
	`submitted_at` text,
	`approved_at` text,
	`cancelled_at` text,
	`cancel_reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`approver_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `broadcasts_identifier_unique` ON `broadcasts` (`sender`,`identifier`);--> statement-breakpoint
CREATE INDEX `broadcasts_status_idx` ON `broadcasts` (`status`,`id`);