"""The patient's preferred language (free text on Patient, e.g. "Spanish") as a language code
with a translation of the companion page, else English."""

PAGE_LANGUAGES = {
    "en": "en",
    "english": "en",
    "es": "es",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "castellano": "es",
}


def page_language(preferred_language: str) -> str:
    words = (preferred_language or "").strip().lower().replace("(", " ").split()
    for word in [(preferred_language or "").strip().lower(), *words]:
        if word in PAGE_LANGUAGES:
            return PAGE_LANGUAGES[word]
    return "en"
