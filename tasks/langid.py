"""Language detection for `ingest --detect-lang`, restricted to the configured languages.

Uses lingua (the optional `detect` extra): offline, well kept, and good on short texts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class DetectorUnavailable(RuntimeError):
    """The optional detector is not installed, or a configured language is unknown to it."""


def make_detector(languages: Sequence[str]) -> Callable[[str], str | None]:
    """A function text -> ISO 639-1 code among `languages`, or None when no language is confident."""
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder
    except ImportError:
        raise DetectorUnavailable("--detect-lang needs the detector: pip install 'polycorpus[detect]'") from None
    codes = []
    for code in languages:
        try:
            codes.append(IsoCode639_1.from_str(code))
        except ValueError:
            raise DetectorUnavailable(f"the language detector does not know language {code!r}") from None
    if len(codes) < 2:
        only = languages[0] if languages else None
        return lambda text: only
    detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()

    def detect(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found is not None else None

    return detect
