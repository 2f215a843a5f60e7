"""Peewee models, schema migrations and the single-writer write path."""
