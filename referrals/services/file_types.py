"""What an uploaded file really is, from its first bytes: the declared type is only a claim."""

import codecs

TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*")
# DICOM Part 10 files: a 128-byte preamble, then "DICM".
DICOM_PREAMBLE = 128
TYPE_NAMES = {
    "application/pdf": "a PDF",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/tiff": "a TIFF image",
    "application/dicom": "a DICOM file",
    "text/plain": "a plain text file (UTF-8)",
}


def _leading_bytes(uploaded_file, count: int) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(count)
    uploaded_file.seek(0)
    return head


def _is_utf8_text(uploaded_file) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    uploaded_file.seek(0)
    try:
        for chunk in uploaded_file.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        uploaded_file.seek(0)
    return True


def content_matches_type(uploaded_file, content_type: str) -> bool:
    """True when the file's contents are of `content_type` (one of TYPE_NAMES)."""
    if content_type == "text/plain":
        return _is_utf8_text(uploaded_file)
    head = _leading_bytes(uploaded_file, DICOM_PREAMBLE + 4)
    if content_type == "application/pdf":
        return head.startswith(b"%PDF-")
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if content_type == "image/tiff":
        return head.startswith(TIFF_SIGNATURES)
    if content_type == "application/dicom":
        return head[DICOM_PREAMBLE : DICOM_PREAMBLE + 4] == b"DICM"
    return False
