"""SQL for the hottest queries (the API list, the token check), where the ORM's own would
cost more to build than the database takes to run it.

A nested queryset (`Subquery(Model.objects.filter(pk=OuterRef(...)))`, `Exists(...)`,
`ArraySubquery(...)`) is resolved and compiled again on every request: the best part of a
millisecond each on a busy machine, more than PostgreSQL needs to run it. These write the same
SQL from the models' table and column names (so a renamed column cannot be missed) and resolve
only their outer column.
"""

from django.db.models import F, Func


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column(model, field: str) -> str:
    """The quoted column of `model.field`."""
    return quoted(model._meta.get_field(field).column)


class CorrelatedSQL(Func):
    """`(sql)`, a subquery of the outer query, where `%(expressions)s` in `sql` stands for the
    outer column `outer` (a field name, resolved as `F(outer)`)."""

    def __init__(self, sql: str, *, outer: str, output_field):
        super().__init__(F(outer), template=f"({sql})", output_field=output_field)


def referenced_column(foreign_key: str, model, field: str) -> CorrelatedSQL:
    """`field` of the `model` row that the outer query's `foreign_key` (its column name, e.g.
    `receiving_center_id`) points at: NULL when the key is."""
    meta = model._meta
    target = meta.get_field(field)
    sql = (
        f"SELECT referenced.{quoted(target.column)} FROM {quoted(meta.db_table)} referenced"
        f" WHERE referenced.{quoted(meta.pk.column)} = %(expressions)s"
    )
    return CorrelatedSQL(sql, outer=foreign_key, output_field=target.__class__())
