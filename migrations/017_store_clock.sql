-- copbot_now is the store's clock in SQL: now(), unless the session says
-- otherwise. Only copbot dev says otherwise, setting copbot.now to the
-- console's clock (/clock) on each connection it uses, so that what the
-- store stamps (a tip saved, a vote, a pairing) agrees with what it
-- decides by time. In production nothing sets it and it is now().
CREATE FUNCTION copbot_now() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT COALESCE(NULLIF(current_setting('copbot.now', true), '')::timestamptz, now()) $$;

-- Columns stamped by default take the same clock.
DO $$
DECLARE col record;
BEGIN
    FOR col IN
        SELECT c.table_name, c.column_name FROM information_schema.columns c
        WHERE c.table_schema = current_schema() AND c.column_default = 'now()' AND c.table_name NOT LIKE 'river%'
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET DEFAULT copbot_now()', col.table_name, col.column_name);
    END LOOP;
END $$;
