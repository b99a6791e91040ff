CREATE TABLE `runner_heartbeats` (
	`key_id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`last_pull_at` text NOT NULL,
	`last_leased` integer NOT NULL
);
--> statement-breakpoint
-- Custom: retrying failed emails is its own permission now (it was granted with outbox:read); admins keep it.
UPDATE `roles` SET `permissions` = json_insert(`permissions`, '$[#]', 'outbox:retry')
WHERE `id` = 'rol_admin' AND NOT EXISTS (SELECT 1 FROM json_each(`roles`.`permissions`) WHERE `value` = 'outbox:retry');
