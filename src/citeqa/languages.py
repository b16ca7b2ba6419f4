"""Which language a question or a passage is written in, so that citeqa can say why it cannot answer.

The embedding model and the reader were trained on English. Asked in French, or of French documents,
they decline rather than answer; without a word of why, a user takes that for "the documents don't
say". py3langid (langid.py's model, 97 languages) names the language; it is trusted only when sure.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citeqa.documents import Document

# The language citeqa's models read.
MODELS_LANGUAGE = "en"
# Below this probability the guess is not trusted. Measured: no English question (1,081 of them,
# COVID-QA, SQuAD and ours) nor English document (166) is above it as another language, while
# a French, Spanish or Japanese question of five words is (0.91–1.0); tables, names, numbers and
# code read as nothing in particular (0.01–0.38).
MIN_CONFIDENCE = 0.9
# How much of a document its language is judged by: its opening pages say it, and a long book's
# whole text would take a tenth of a second.
DOCUMENT_SAMPLE_CHARS = 20_000
# Enough letters for a guess to mean something: "Who is Garrant?" is a name and two words.
MIN_LETTERS = 12

_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh",
    "da": "Danish", "de": "German", "el": "Greek", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "is": "Icelandic", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay", "nb": "Norwegian",
    "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "th": "Thai",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


class LanguageGuesser:
    """Names the language of a text when it is surely not English. The model (0.5 s) loads on first use."""

    def __init__(self) -> None:
        self._identifier: Any = None
        self._lock = threading.Lock()

    def other_language(self, text: str) -> str | None:
        """The language ``text`` is written in ("French"), if it is surely not English; else None."""
        if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
            return None
        code, probability = self._classify(text)
        if code == MODELS_LANGUAGE or probability < MIN_CONFIDENCE:
            return None
        return _NAMES.get(code, f"language '{code}'")

    def of_document(self, document: Document) -> str | None:
        """:meth:`other_language` of a document, judged by its opening pages."""
        return self.other_language(document.text[:DOCUMENT_SAMPLE_CHARS])

    def _classify(self, text: str) -> tuple[str, float]:
        with self._lock:
            if self._identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            code, probability = self._identifier.classify(text)
        return str(code), float(probability)
