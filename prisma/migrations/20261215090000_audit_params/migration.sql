-- Store codes, not sentences (issue 13): an audit entry keeps its action code and the values of
-- its sentence; the audit page translates them in the reader's language. Entries written before
-- have no params and keep showing their stored (Dutch) summary.
ALTER TABLE "AuditEntry" ADD COLUMN "params" JSONB;
