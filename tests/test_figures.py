from svodka.understand.figures import find_figures


def figures(text):
    return {(f.text, f.value, f.unit, f.what) for f in find_figures(text)}


def test_seed_shapes():
    found = figures("США сокращают на 50%, и мы сокращаем на 50%. ПВО сбила в общей сложности 158 дронов. "
                    "Выдано по 1000 евро (около 25 тысяч крон). Гора высотой 3054 метра. Все 22 человека погибли. "
                    "Тело 19-летней девушки.")
    assert ("50%", 50.0, "%", None) in found
    assert ("158 дронов", 158.0, None, "дрон") in found
    assert ("1000 евро", 1000.0, "EUR", None) in found
    assert ("3054 метра", 3054.0, "м", None) in found
    assert ("22 человека", 22.0, None, "человек") in found
    assert ("19-летней", 19.0, "год", "возраст") in found


def test_money_and_percent_normalised():
    assert figures("перевел 14 млн рублей") == {("14 млн рублей", 14e6, "RUB", None)}
    assert figures("бюджет $1,5 млрд") == {("$1,5 млрд", 1.5e9, "USD", None)}
    assert figures("рост на 7,5 процента") == {("7,5 процента", 7.5, "%", None)}
    assert figures("курс 109,5782 руб.") == {("109,5782 руб.", 109.5782, "RUB", None)}


def test_dates_times_and_bare_numbers_are_not_figures():
    assert figures("В 2024 году в 12:30, 01.02.2024, 5 мая, 3 из 4") == set()


def test_offsets_and_bad_input():
    text = "Погибли 22 человека."
    (f,) = find_figures(text)
    assert text[f.start:f.end] == f.text
    assert find_figures("") == [] and find_figures("9" * 100_000) == []
