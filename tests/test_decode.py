"""Bytes to text by evidence: each shape a page really arrives in, made from short texts written for the test."""
import pytest

from svodka.ingest import read_bytes
from svodka.ingest.decode import DecodeError, decode
from svodka.model import Article

RU = ("Центробанк сохранил ключевую ставку на уровне 21 процента. Решение совета директоров было ожидаемым, "
      "сообщили аналитики. Инфляция в ноябре замедлилась.")
UK = ("Верховна Рада ухвалила закон про бюджет на наступний рік. Депутати підтримали зміни, які пропонував уряд. "
      "Їхнє рішення є важливим для громад.")
DE = "Die Bundesregierung hat für das nächste Jahr höhere Ausgaben geplant. Der Minister äußerte sich über die Größe."
FR = "Le président a déclaré que la réforme serait présentée à l'Assemblée après l'été. Les syndicats s'opposent."
HE = "הממשלה אישרה את התקציב לשנה הבאה. השר אמר כי ההחלטה חשובה מאוד לכלכלה של המדינה ולכל האזרחים."
GR = "Η κυβέρνηση ενέκρινε τον προϋπολογισμό για το επόμενο έτος. Ο υπουργός δήλωσε ότι η απόφαση είναι σημαντική."
KO = "정부는 내년 예산안을 승인했다. 장관은 이 결정이 국가 경제에 매우 중요하다고 말했다."


def page(text: str, charset: str | None = None, title: str = "Новости") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>{title}</title></head><body><article><p>{text}</p></article></body></html>"


@pytest.mark.parametrize("text, encoding, declared", [
    (RU, "cp1251", None), (RU, "koi8_r", None), (RU, "cp866", None), (UK, "cp1251", None), (UK, "koi8_u", None),
    (RU, "cp1251", "iso-8859-1"),  # the label lies: the bytes are cp1251
    (RU, "cp1251", "koi8-r"),
    (RU, "koi8_r", "koi8-r"),
])
def test_cyrillic_legacy_encodings_by_evidence_not_label(text, encoding, declared):
    decoded, enc = decode(page(text, declared).encode(encoding))
    assert text in decoded, (enc, decoded[:200])


@pytest.mark.parametrize("text, encoding", [(DE, "latin-1"), (FR, "cp1252"), (HE, "cp1255"), (KO, "euc_kr"),
                                            (GR, "cp1253")])
def test_non_cyrillic_pages_are_never_made_cyrillic(text, encoding):
    decoded, enc = decode(page(text, title="News").encode(encoding))
    assert text in decoded, (enc, decoded[:200])


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16", "utf-32"])
def test_utf16_and_utf32_with_or_without_bom(encoding):
    decoded, _ = decode(page(RU).encode(encoding))
    assert RU in decoded


def test_a_stray_byte_in_utf8_is_repaired_in_place_not_the_page_re_decoded():
    data = page(RU).encode()
    cut = data.index("ставку".encode())
    decoded, enc = decode(data[:cut] + b"\xff" + data[cut:])
    assert enc == "utf-8 (repaired)"
    assert "\ufffdставку на уровне 21 процента" in decoded and "Центробанк сохранил" in decoded


def test_a_cp1251_word_pasted_into_utf8_reads_as_that_word():
    data = page(RU).encode().replace(b"</p>", "<p>Источник: ".encode() + "Интерфакс".encode("cp1251") + b"</p>")
    decoded, _ = decode(data)
    assert "Источник: Интерфакс" in decoded and RU in decoded


def test_binary_is_still_refused():
    with pytest.raises(DecodeError, match="binary"):
        decode(bytes(range(256)) * 20)


def test_read_bytes_gives_the_article_text_of_a_mislabelled_page():
    (a,) = [i for i in read_bytes(page(RU + " " + RU, "iso-8859-1").encode("cp1251"), "upload")
            if isinstance(i, Article)]
    assert "ключевую ставку" in a.text


def test_a_nul_byte_in_utf8_does_not_make_it_utf16():
    data = page(RU).encode()
    with pytest.raises(DecodeError, match="binary"):
        decode(data[:40] + b"\x00" + data[40:])


@pytest.mark.parametrize("text, encoding", [("Привет, мир!", "cp1251"), ("Привет, мир!", "koi8_r"),
                                            ("Ёжик в тумане", "cp866"), ("Größe", "latin-1")])
def test_a_few_words_still_read_right(text, encoding):
    assert decode(text.encode(encoding))[0] == text
