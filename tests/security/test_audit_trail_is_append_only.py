"""The audit trail cannot be changed or deleted, not even with SQL run by the application."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.services import audit_record
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return audit_record(actor=UserFactory(), action="view", obj=PatientFactory())


def refused_by_database(statement):
    """Run `statement` in a savepoint; return the database's error message."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        statement()
    return str(refused.value)


def test_sql_update_of_an_audit_entry_fails_at_the_database(entry):
    def update():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditentry SET action = 'create' WHERE id = %s", [entry.pk]
            )

    assert "audit_auditentry is append-only: UPDATE refused" in refused_by_database(update)
    assert AuditEntry.objects.get(pk=entry.pk).action == "view"


def test_sql_delete_of_audit_entries_fails_at_the_database(entry):
    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")

    assert "audit_auditentry is append-only: DELETE refused" in refused_by_database(delete)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_bulk_update_and_delete_through_the_orm_fail_at_the_database(entry):
    entries = AuditEntry.objects.filter(pk=entry.pk)

    assert "UPDATE refused" in refused_by_database(lambda: entries.update(detail="edited"))
    # QuerySet.delete() never calls the model's delete(): the trigger is what stops it.
    assert "DELETE refused" in refused_by_database(entries.delete)
    entry.refresh_from_db()
    assert entry.detail == ""


def test_an_entry_cannot_be_saved_again_or_deleted_through_the_model(entry):
    entry.detail = "edited"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).detail == ""
