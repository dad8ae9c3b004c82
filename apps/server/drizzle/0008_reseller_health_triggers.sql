-- Custom migration (drizzle-kit generate --custom): the triggers that keep customer_health
-- honest. Any write that can change a customer's Reseller Console figures bumps that
-- customer's change_seq; the reader recomputes rows whose clean_seq lags behind. Row triggers
-- with WHEN clauses fire only on the columns the figures read (not on lease renewals or
-- progress counters). Deletes only bump an existing row (never insert), so a customer's
-- cascade delete cannot trip the foreign key. Depends only on tables of earlier migrations
-- and on customer_health (created by 0004_reseller_console, which must run first). Every
-- customer has a health row from its creation on, carrying copies of the customer's listed
-- columns (trigger on customers + the backfill below), so the list reads one table and the
-- reader finds stale rows through two small indexes instead of scanning every customer.
CREATE OR REPLACE FUNCTION safehold_customer_health_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE customer_health SET change_seq = change_seq + 1 WHERE customer_id = OLD.customer_id;
    RETURN NULL;
  END IF;
  INSERT INTO customer_health (customer_id, change_seq) VALUES (NEW.customer_id, 1)
    ON CONFLICT (customer_id) DO UPDATE SET change_seq = customer_health.change_seq + 1;
  IF TG_OP = 'UPDATE' AND OLD.customer_id IS DISTINCT FROM NEW.customer_id THEN
    UPDATE customer_health SET change_seq = change_seq + 1 WHERE customer_id = OLD.customer_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER customer_health_runs_insert AFTER INSERT ON backup_runs FOR EACH ROW
  WHEN (NEW.finished_at IS NOT NULL) EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_runs_update AFTER UPDATE ON backup_runs FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.finished_at IS DISTINCT FROM NEW.finished_at)
  EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_sources_insert AFTER INSERT ON backup_sources FOR EACH ROW
  WHEN (NEW.last_success_at IS NOT NULL) EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_sources_update AFTER UPDATE ON backup_sources FOR EACH ROW
  WHEN (OLD.last_success_at IS DISTINCT FROM NEW.last_success_at OR OLD.subject_id IS DISTINCT FROM NEW.subject_id)
  EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_sources_delete AFTER DELETE ON backup_sources FOR EACH ROW
  EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_users_insert AFTER INSERT ON directory_users FOR EACH ROW
  WHEN (NEW.license IS NOT NULL) EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_users_update AFTER UPDATE ON directory_users FOR EACH ROW
  WHEN (OLD.license IS DISTINCT FROM NEW.license OR OLD.suspended IS DISTINCT FROM NEW.suspended
    OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.google_id IS DISTINCT FROM NEW.google_id)
  EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_users_delete AFTER DELETE ON directory_users FOR EACH ROW
  EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_packs_insert AFTER INSERT ON repository_packs FOR EACH ROW
  EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_packs_update AFTER UPDATE ON repository_packs FOR EACH ROW
  WHEN (OLD.size IS DISTINCT FROM NEW.size) EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE TRIGGER customer_health_packs_delete AFTER DELETE ON repository_packs FOR EACH ROW
  EXECUTE FUNCTION safehold_customer_health_changed();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION safehold_customer_health_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The customer's own columns are copied at once (the list reads them from customer_health).
  INSERT INTO customer_health AS h (customer_id, change_seq, partner_id, domain, name, status, trial_ends_at, seats_purchased)
    VALUES (NEW.id, 1, NEW.partner_id, NEW.domain, NEW.name, NEW.status, NEW.trial_ends_at, NEW.seats_purchased)
    ON CONFLICT (customer_id) DO UPDATE SET partner_id = excluded.partner_id, domain = excluded.domain,
      name = excluded.name, status = excluded.status, trial_ends_at = excluded.trial_ends_at,
      seats_purchased = excluded.seats_purchased;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER customer_health_customer_insert AFTER INSERT ON customers FOR EACH ROW
  EXECUTE FUNCTION safehold_customer_health_customer();
--> statement-breakpoint
CREATE TRIGGER customer_health_customer_update AFTER UPDATE ON customers FOR EACH ROW
  WHEN (OLD.partner_id IS DISTINCT FROM NEW.partner_id OR OLD.domain IS DISTINCT FROM NEW.domain
    OR OLD.name IS DISTINCT FROM NEW.name OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.trial_ends_at IS DISTINCT FROM NEW.trial_ends_at OR OLD.seats_purchased IS DISTINCT FROM NEW.seats_purchased)
  EXECUTE FUNCTION safehold_customer_health_customer();
--> statement-breakpoint
INSERT INTO customer_health (customer_id, change_seq, partner_id, domain, name, status, trial_ends_at, seats_purchased)
  SELECT id, 1, partner_id, domain, name, status, trial_ends_at, seats_purchased FROM customers
  ON CONFLICT (customer_id) DO NOTHING;
