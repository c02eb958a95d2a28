"""Migration operations that keep the embedded SQLite default of `make run` migrating."""

from django.contrib.postgres.indexes import OpClass, PostgresIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations
from django.db.migrations.operations import AddIndex
from django.db.migrations.operations.base import Operation


def postgres_only_index(index) -> bool:
    """GIN indexes and indexes with operator classes exist on PostgreSQL only."""
    with_opclass = any(isinstance(part, OpClass) for part in index.expressions)
    return isinstance(index, PostgresIndex) or bool(index.opclasses) or with_opclass


class AddIndexConcurrentlyWherePostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL (production and tests). Elsewhere a plain index,
    or none for the kinds only PostgreSQL has (GIN, trigram operator classes): SQLite serves
    `make run`'s demo, where a scan of a few hundred rows costs nothing."""

    def _postgres_only(self) -> bool:
        return postgres_only_index(self.index)

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


class PortableOnTableWithPostgresIndexes(Operation):
    """Runs `operation` as is on PostgreSQL. Elsewhere (SQLite) it runs it as if the model had
    none of its PostgreSQL-only indexes: SQLite adds a column or a check constraint by remaking
    the table with every index of the model's state, and a GIN or operator-class index does not
    parse there (those indexes were never created on SQLite, see above). The migration state is
    the wrapped operation's, so makemigrations sees no difference."""

    reduces_to_sql = False

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            from_state = self._portable(app_label, from_state)
            to_state = self._portable(app_label, to_state)
        self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            from_state = self._portable(app_label, from_state)
            to_state = self._portable(app_label, to_state)
        self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return self.operation.describe()

    def _portable(self, app_label, state):
        state = state.clone()
        model_name = self.operation.model_name_lower
        model_state = state.models[app_label, model_name]
        model_state.options["indexes"] = [
            index
            for index in model_state.options.get("indexes", [])
            if not postgres_only_index(index)
        ]
        state.reload_model(app_label, model_name, delay=True)
        return state


# The operations SQLite runs by remaking the whole table (with every index of the model).
TABLE_REMAKING_OPERATIONS = (
    migrations.AddField,
    migrations.AlterField,
    migrations.RemoveField,
    migrations.RenameField,
    migrations.AddConstraint,
    migrations.RemoveConstraint,
)


def portable_on_tables_with_postgres_indexes(operations: list) -> list:
    """`operations` with each one that SQLite runs by remaking a table wrapped in
    PortableOnTableWithPostgresIndexes (see there): a migration's list passes through this
    and stays portable whichever model it changes."""
    return [
        PortableOnTableWithPostgresIndexes(operation)
        if isinstance(operation, TABLE_REMAKING_OPERATIONS)
        else operation
        for operation in operations
    ]
