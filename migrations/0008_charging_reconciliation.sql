CREATE TABLE `reconciliation_flags` (
	`service_id` text NOT NULL,
	`unit` text NOT NULL,
	`bss` integer NOT NULL,
	`cgrates` integer NOT NULL,
	`difference` integer NOT NULL,
	`since` text NOT NULL,
	`last_seen_at` text NOT NULL,
	`resolved_at` text,
	`resolved_by` text,
	`resolution` text,
	PRIMARY KEY(`service_id`, `unit`),
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `reconciliation_open_idx` ON `reconciliation_flags` (`resolved_at`,`since`);--> statement-breakpoint
ALTER TABLE `balance_ledger` ADD `balance_id` text;--> statement-breakpoint
ALTER TABLE `services` ADD `charging_synced_at` text;--> statement-breakpoint
-- Custom: the ledger's append-only guard covers the new column (only pending → confirmed|reversed may change).
DROP TRIGGER `balance_ledger_no_update`;
--> statement-breakpoint
CREATE TRIGGER `balance_ledger_no_update` BEFORE UPDATE ON `balance_ledger`
WHEN NOT (OLD.state = 'pending' AND NEW.state IN ('confirmed', 'reversed')
	AND NEW.id = OLD.id AND NEW.service_id = OLD.service_id AND NEW.bucket_id = OLD.bucket_id AND NEW.seq = OLD.seq
	AND NEW.unit = OLD.unit AND NEW.amount = OLD.amount AND NEW.kind = OLD.kind AND NEW.idempotency_key = OLD.idempotency_key
	AND NEW.reference IS OLD.reference AND NEW.at = OLD.at AND NEW.balance_id IS OLD.balance_id)
BEGIN
	SELECT RAISE(ABORT, 'the balance ledger is append-only');
END;
