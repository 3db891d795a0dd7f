#!/usr/bin/env python3
"""Writes examples/stats/shop.jsonl: a year of irregular snapshots of examples/shop's database.

The history is synthetic but shaped like real ones: orders grow linearly with weekday noise,
order_items faster, customers' growth slows down, products stay flat, audit_log is truncated
once (2026-08-01), shipments' measured size grows faster than their rows (updates bloat it),
the collector missed two weeks in March, and payments' 32-bit id sequence is burning through
its range (retries consume ids). Run it again to regenerate: the output is deterministic.
"""
import datetime
import json
import math
import os
import random

random.seed(20261130)
START = datetime.datetime(2025, 12, 1, 2, 0, tzinfo=datetime.timezone.utc)
END = datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.timezone.utc)
TRUNCATED = datetime.datetime(2026, 8, 1, tzinfo=datetime.timezone.utc)

# Bytes per row, about what schemacast's estimator gives for each table with its indexes.
ROW_BYTES = {"customers": 193, "products": 189, "orders": 170, "order_items": 84, "shipments": 135,
             "audit_log": 107, "import_staging": 69, "coupons": 155, "payments": 151}


def times():
    t = START
    while t <= END:
        # The collector was down for two weeks in March.
        if not (datetime.datetime(2026, 3, 9, tzinfo=datetime.timezone.utc) <= t < datetime.datetime(2026, 3, 23, tzinfo=datetime.timezone.utc)):
            yield t
        t += datetime.timedelta(days=random.choice([2, 3, 3, 4]), minutes=random.randint(-20, 20))


def snapshot(t, cumulative):
    d = (t - START).total_seconds() / 86400
    weekday = 1.0 + 0.15 * math.sin(d * 2 * math.pi / 7)
    for name, rate in [("orders", 4000), ("payments", 4400)]:
        cumulative[name] += rate * weekday * random.uniform(0.8, 1.2) * cumulative.pop(name + "_gap", 1)
    rows = {
        "customers": int(180_000 + 900 * 120 * (1 - math.exp(-d / 120)) + random.uniform(-300, 300)),
        "products": int(12_000 + random.uniform(-40, 40)),
        "orders": int(cumulative["orders"]),
        "order_items": int(cumulative["orders"] * 2.6 * (1 + d / 2000)),
        "shipments": int(cumulative["orders"] * 0.95),
        "audit_log": int((d - (TRUNCATED - START).days if t >= TRUNCATED else d) * 150_000 * random.uniform(0.97, 1.03) + 20_000),
        "import_staging": int(random.uniform(0, 50_000)),
        "coupons": 40 if d < 200 else 95,
        "payments": int(cumulative["payments"]),
    }
    tables = []
    for name, count in rows.items():
        size = count * ROW_BYTES[name] * random.uniform(0.99, 1.01)
        if name == "shipments":
            size *= 1 + d / 150  # dead tuples from status updates: the measured size outgrows the rows
        size = int(size) // 8192 * 8192 + 8192
        tables.append({"schema": "public", "name": name, "rows": count, "total_bytes": size,
                       "table_bytes": int(size * 0.6) // 8192 * 8192, "index_bytes": int(size * 0.4) // 8192 * 8192})
    payments_ids = int(1_200_000_000 + 2_200_000 * d * random.uniform(0.99, 1.01))
    orders_ids = int(cumulative["orders"] * 1.02)
    return {
        "format": "schemacast.stats/v1",
        "taken_at": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dialect": "postgres",
        "server_version": "15.8",
        "database": "shop",
        "source": "collect",
        "tables": tables,
        "sequences": [
            {"schema": "public", "name": "payments_id_seq", "last_value": payments_ids, "max_value": 2147483647, "increment": 1, "owned_by": "public.payments.id"},
            {"schema": "public", "name": "orders_id_seq", "last_value": orders_ids, "max_value": 9223372036854775807, "increment": 1, "owned_by": "public.orders.id"},
        ],
    }


def main():
    cumulative = {"orders": 1_500_000.0, "payments": 1_600_000.0}
    previous = START
    lines = []
    for t in times():
        gap = (t - previous).total_seconds() / 86400
        previous = t
        cumulative["orders_gap"] = gap
        cumulative["payments_gap"] = gap
        lines.append(json.dumps(snapshot(t, cumulative), separators=(",", ":")))
    with open(os.path.join(os.path.dirname(__file__), "shop.jsonl"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"{len(lines)} snapshots")


if __name__ == "__main__":
    main()
