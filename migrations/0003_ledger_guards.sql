-- Custom migration: money rows are immutable in the database itself.

-- Transactions: never deleted; only a missing invoice_id may be set (when an invoice takes them).
CREATE TRIGGER `transactions_no_delete` BEFORE DELETE ON `transactions` BEGIN
	SELECT RAISE(ABORT, 'transactions are immutable; add a reversing transaction');
END;
--> statement-breakpoint
CREATE TRIGGER `transactions_no_update` BEFORE UPDATE ON `transactions`
WHEN NOT (OLD.invoice_id IS NULL AND NEW.invoice_id IS NOT NULL
	AND NEW.id = OLD.id AND NEW.customer_id = OLD.customer_id AND NEW.service_id IS OLD.service_id AND NEW.kind = OLD.kind
	AND NEW.description = OLD.description AND NEW.date = OLD.date AND NEW.amount = OLD.amount AND NEW.tax_amount = OLD.tax_amount
	AND NEW.tax_rate_bp = OLD.tax_rate_bp AND NEW.wholesale_amount = OLD.wholesale_amount AND NEW.currency = OLD.currency
	AND NEW.reverses_id IS OLD.reverses_id AND NEW.source_key = OLD.source_key AND NEW.created_at = OLD.created_at)
BEGIN
	SELECT RAISE(ABORT, 'transactions are immutable; add a reversing transaction');
END;
--> statement-breakpoint
-- Balance ledger: never deleted; an entry may only move from pending to confirmed or reversed.
CREATE TRIGGER `balance_ledger_no_delete` BEFORE DELETE ON `balance_ledger` BEGIN
	SELECT RAISE(ABORT, 'the balance ledger is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `balance_ledger_no_update` BEFORE UPDATE ON `balance_ledger`
WHEN NOT (OLD.state = 'pending' AND NEW.state IN ('confirmed', 'reversed')
	AND NEW.id = OLD.id AND NEW.service_id = OLD.service_id AND NEW.bucket_id = OLD.bucket_id AND NEW.seq = OLD.seq
	AND NEW.unit = OLD.unit AND NEW.amount = OLD.amount AND NEW.kind = OLD.kind AND NEW.idempotency_key = OLD.idempotency_key
	AND NEW.reference IS OLD.reference AND NEW.at = OLD.at)
BEGIN
	SELECT RAISE(ABORT, 'the balance ledger is append-only');
END;
--> statement-breakpoint
-- The operator's default tax class (France, 20 %); rates are managed by the billing module.
INSERT INTO `tax_rates` (`id`, `tax_class`, `name`, `rate_bp`, `created_at`, `updated_at`)
VALUES ('txr_standard', 'standard', 'Standard rate', 2000, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
	('txr_zero', 'zero', 'Zero rate', 0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
