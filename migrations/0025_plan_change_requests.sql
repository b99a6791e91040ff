CREATE TABLE `plan_change_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`service_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`from_product_id` text NOT NULL,
	`to_product_id` text NOT NULL,
	`status` text NOT NULL,
	`requested_by` text NOT NULL,
	`decided_by` text,
	`reason` text,
	`job_id` text,
	`decided_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `plan_change_requests_service_idx` ON `plan_change_requests` (`service_id`,`status`);--> statement-breakpoint
CREATE INDEX `plan_change_requests_status_idx` ON `plan_change_requests` (`status`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `plan_change_requests_pending_unique` ON `plan_change_requests` (`service_id`) WHERE "plan_change_requests"."status" = 'pending';--> statement-breakpoint
ALTER TABLE `products` ADD `plan_change_approval` integer DEFAULT false NOT NULL;