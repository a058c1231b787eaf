-- The notification centre (docs/api.md#notifications): the unread count in every portal page's
-- header and "mark all read" read only a user's unread notifications, however many they have
-- read before. The queries write the same predicate (store::notifications).
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
-- A business's inbox in due order lists its open disputes (docs/api.md#lists): read from a
-- partial index of them, not by walking past every concluded dispute of the business. The
-- query writes the same predicate (store::disputes::OPEN_STATUSES_SQL).
CREATE INDEX disputes_business_open_due_idx ON disputes (business_id, settlement_due_at, id)
    WHERE status IN ('filed', 'negotiating', 'paused', 'settled');
