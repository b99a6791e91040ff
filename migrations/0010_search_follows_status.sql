-- Custom: search documents follow the status of what they describe, in the same statement that
-- changes it (services change status through their ServiceState object's write-through, inventory
-- items through bulk allocation statements; neither rebuilds the document itself).
-- A service's subtitle is "<customer> · <status> · <other identifiers>".
CREATE TRIGGER `services_search_status` AFTER UPDATE OF `status` ON `services`
WHEN NEW.`status` <> OLD.`status`
BEGIN
	UPDATE `search_docs` SET `subtitle` =
		CASE WHEN instr(`subtitle`, ' · ' || OLD.`status`) > 0
		THEN substr(`subtitle`, 1, instr(`subtitle`, ' · ' || OLD.`status`) - 1) || ' · ' || NEW.`status`
			|| substr(`subtitle`, instr(`subtitle`, ' · ' || OLD.`status`) + length(' · ' || OLD.`status`))
		ELSE `subtitle` END
	WHERE `entity_id` = NEW.`id`;
END;
--> statement-breakpoint
-- An inventory item's subtitle starts with its status ("in stock · Lyon depot · …"); its customer follows it too.
CREATE TRIGGER `inventory_items_search_status` AFTER UPDATE OF `status`, `customer_id` ON `inventory_items`
BEGIN
	UPDATE `search_docs` SET
		`subtitle` =
			CASE WHEN substr(`subtitle`, 1, length(replace(OLD.`status`, '_', ' '))) = replace(OLD.`status`, '_', ' ')
			THEN replace(NEW.`status`, '_', ' ') || substr(`subtitle`, length(replace(OLD.`status`, '_', ' ')) + 1)
			ELSE `subtitle` END,
		`customer_id` = NEW.`customer_id`
	WHERE `entity_id` = NEW.`id`;
END;
