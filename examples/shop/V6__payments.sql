-- Payments arrive with the new checkout. Not in production yet, so the plan says how big
-- the table will be.
-- schemacast: rows=5e6 growth=4%/month
CREATE TABLE payments (
    captured boolean NOT NULL DEFAULT false,
    id serial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    amount double precision NOT NULL,
    attempts smallint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    client_ip varchar(45)
);

CREATE INDEX payments_order_id_idx ON payments (order_id);
