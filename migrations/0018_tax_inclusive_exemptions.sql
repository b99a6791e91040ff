ALTER TABLE `tax_rates` ADD `inclusive` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `customers` ADD `tax_exemption_reason` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `tax_exemption_reference` text;