"""Attached files are what their type says: the first bytes are checked, not only the claim."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from referrals.errors import InvalidData
from referrals.models import RecordAttachment, Referral
from referrals.services.records import attachment_add
from tests.factories import referral_in_state

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
TIFF_INTEL = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 20
TIFF_MOTOROLA = b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 20
DICOM = b"\x00" * 128 + b"DICM" + b"\x02\x00\x00\x00UL\x04\x00"
TEXT = "Outside pathology report: margins négatives.\n".encode()


@pytest.fixture
def record_item():
    return referral_in_state(Referral.Status.DRAFT).record_items.get()


def attach(item, content: bytes, content_type: str, name="record.bin"):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return attachment_add(actor=item.referral.referring_oncologist, item=item, uploaded_file=upload)


@pytest.mark.parametrize(
    "content, content_type",
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (TIFF_INTEL, "image/tiff"),
        (TIFF_MOTOROLA, "image/tiff"),
        (DICOM, "application/dicom"),
        (TEXT, "text/plain"),
    ],
)
def test_files_whose_contents_match_their_type_are_attached_whole(
    record_item, content, content_type
):
    attachment = attach(record_item, content, content_type)

    with attachment.file.open("rb") as stored:
        assert stored.read() == content
    assert attachment.content_type == content_type


@pytest.mark.parametrize(
    "content, content_type, message",
    [
        (PNG, "application/pdf", "The file's contents are not a PDF"),
        (b"MZ\x90\x00 an executable", "application/pdf", "The file's contents are not a PDF"),
        (PDF, "image/png", "not a PNG image"),
        (PNG, "image/jpeg", "not a JPEG image"),
        (JPEG, "image/tiff", "not a TIFF image"),
        (b"DICM" + b"\x00" * 200, "application/dicom", "not a DICOM file"),
        (b"plain words\x00with a NUL", "text/plain", "not a plain text file (UTF-8)"),
        ("Résumé".encode("latin-1"), "text/plain", "not a plain text file (UTF-8)"),
    ],
)
def test_files_whose_contents_do_not_match_their_type_are_refused(
    record_item, content, content_type, message
):
    with pytest.raises(InvalidData) as refused:
        attach(record_item, content, content_type)

    assert message in refused.value.fields["file"][0]
    assert "Attach the original file." in refused.value.detail
    assert not RecordAttachment.objects.exists()


def test_a_long_text_file_is_checked_to_its_end(record_item):
    # A multi-byte character split across upload chunks is still valid text...
    long_text = ("a" + "é" * 40_000).encode() + b"\n"  # 64 KiB chunks end mid-character
    assert attach(record_item, long_text, "text/plain").size == len(long_text)
    # ...while a NUL far past the first chunk is found.
    with pytest.raises(InvalidData):
        attach(record_item, b"a" * 200_000 + b"\x00", "text/plain")
