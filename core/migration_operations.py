"""Migration operations that keep the embedded SQLite default of `make run` migrating."""

from django.contrib.postgres.indexes import OpClass, PostgresIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexConcurrentlyWherePostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (production and tests). Elsewhere a plain index,
    or none for the kinds only PostgreSQL has (GIN, trigram operator classes): SQLite serves
    `make run`'s demo, where a scan of a few hundred rows costs nothing."""

    def _postgres_only(self) -> bool:
        index = self.index
        with_opclass = any(isinstance(part, OpClass) for part in index.expressions)
        return isinstance(index, PostgresIndex) or bool(index.opclasses) or with_opclass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        if not self._postgres_only():
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        if not self._postgres_only():
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
