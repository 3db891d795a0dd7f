CREATE TABLE shipments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    carrier text NOT NULL,
    shipped_at timestamptz
);
CREATE INDEX shipments_order_idx ON shipments (order_id);

CREATE TABLE audit_log (
    happened_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL
);

-- Rows are copied in by a nightly job and truncated after.
-- schemacast: ignore missing-primary-key
CREATE TABLE import_staging (
    line_no integer NOT NULL,
    payload text NOT NULL
);
