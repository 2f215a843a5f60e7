"""Peewee models, schema migrations and the single-writer write path.

- `db.open_database(path_or_url)` → bound, migrated `peewee.Database` (raises `errors.StoreError`);
- `models` — every table; `migrations` — `schema_version` + ordered `up` steps;
- `writer.StoreWriter` — the one thread that writes; `bulk` — peewee-built SQL for `executemany`;
- `staging` — per-run member staging, the `NOT EXISTS` diff into PendingDiffItem, and its apply.
"""
