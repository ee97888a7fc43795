from svodka.understand.language import detect_language


def test_languages():
    assert detect_language("Президент России заявил о готовности к переговорам с США.")[0] == "ru"
    assert detect_language("Президент України заявив про готовність до переговорів зі США.")[0] == "uk"
    assert detect_language("The president said he was ready for talks with the United States.")[0] == "en"
    assert detect_language("Der Präsident sagte, er sei zu Gesprächen bereit.")[0] == "other"


def test_short_texts_and_no_letters():
    assert detect_language("Їжак")[0] == "uk"
    assert detect_language("Съезд")[0] == "ru"
    assert detect_language("12:30 — 42 %") == ("other", 0.0)
    lang, conf = detect_language("Москва")
    assert lang == "ru" and 0 <= conf <= 1
