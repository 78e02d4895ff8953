-- A notice's claim is a lease until the notice is delivered: delivered is
-- set once the platform took it. A claim left undelivered (the process
-- died mid-send) may be taken again once its lease ran out, so that the
-- retried or rescued job sends the notice rather than finding it "sent".
-- Claims made before this were delivered.
ALTER TABLE mentoring_notices_sent ADD COLUMN delivered boolean NOT NULL DEFAULT false;
UPDATE mentoring_notices_sent SET delivered = true;
ALTER TABLE mentoring_welcomes ADD COLUMN delivered boolean NOT NULL DEFAULT false;
UPDATE mentoring_welcomes SET delivered = true;
ALTER TABLE digests ADD COLUMN delivered boolean NOT NULL DEFAULT false;
UPDATE digests SET delivered = true WHERE sent_at IS NOT NULL;
ALTER TABLE mentor_invitations ADD COLUMN delivered boolean NOT NULL DEFAULT false;
UPDATE mentor_invitations SET delivered = true WHERE sent_at IS NOT NULL;
ALTER TABLE story_prompts ADD COLUMN delivered boolean NOT NULL DEFAULT false;
UPDATE story_prompts SET delivered = true WHERE sent_at IS NOT NULL;
ALTER TABLE objective_reminders ADD COLUMN delivered boolean NOT NULL DEFAULT false;
UPDATE objective_reminders SET delivered = true WHERE sent_at IS NOT NULL;
