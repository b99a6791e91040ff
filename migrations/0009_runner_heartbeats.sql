CREATE TABLE `runner_heartbeats` (
	`key_id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`last_pull_at` text NOT NULL,
	`last_leased` integer NOT NULL
);
