"""Words: the speech verbs' forms, what pymorphy3 says of a word form, word lists the rules use."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..lemmas import morph

VERBS_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "speech_verbs.txt"

MAX_PHRASE = 14  # words in a speaker phrase
MAX_GAP = 8  # words between a verb and the ", что" or ":" that opens its content
MAX_SEGMENTS = 3  # comma-separated pieces searched back for a subject
MAX_TRIES = 3000  # quote marks and speech verbs looked at per text: more is no article, and costs time

THAT = frozenset({"что", "чтобы", "будто", "якобы", "как"})
ABOUT = frozenset({"о", "об", "обо"})
ACCORDING = frozenset({"словам", "мнению", "утверждению", "заявлению", "признанию"})
SUBORDINATORS = frozenset({"как", "что", "чтобы", "когда", "если", "где", "куда", "откуда", "почему", "зачем",
                           "хотя", "потому", "который", "которая", "которое", "которые", "которой", "которого",
                           "которому", "которым", "которых", "кто", "ли", "и", "а", "но"})
ONE_OF = frozenset({"один", "одна", "одно", "некоторые", "многие", "каждый", "кто-то", "никто"})
# pronoun -> (number, gender) it agrees with; gender None = any
PRONOUNS = {"он": ("sing", "masc"), "она": ("sing", "femn"), "оно": ("sing", "neut"), "они": ("plur", None),
            "я": ("sing", None), "ты": ("sing", None), "мы": ("plur", None), "вы": ("plur", None)}
POSSESSIVE = {"его": "masc", "ее": "femn", "их": None}
# where a statement was published, not who made it: "говорится в сообщении центра" -> центр
DOCUMENTS = frozenset({"сообщение", "заявление", "документ", "релиз", "пресс-релиз", "письмо", "обращение", "доклад",
                       "отчет", "публикация", "материал", "статья", "подпись", "интервью", "комментарий", "сайт",
                       "канал", "telegram-канал", "телеграм-канал", "блог", "эфир", "пост", "исследование", "обзор",
                       "записка", "приказ", "постановление", "ответ", "беседа", "разговор", "выступление"})
# "в понедельник заявили" is about when, not who
CIRCUMSTANCES = frozenset({"понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье", "год",
                           "день", "неделя", "месяц", "время", "ход", "рамка", "связь", "итог", "частность",
                           "результат", "случай", "конец", "начало", "середина", "течение", "прошлое", "будущее",
                           "период", "момент", "ночь", "утро", "вечер", "голос", "целое", "очередь", "встреча",
                           "заседание", "совещание", "форум", "конференция", "пресс-конференция", "брифинг", "саммит",
                           "мероприятие", "церемония", "выставка", "сессия"})
# the offices one person holds: "— сказал министр" is the last person the text named with one of them
OFFICES = frozenset({"министр", "замминистра", "губернатор", "президент", "вице-президент", "премьер",
                     "премьер-министр", "вице-премьер", "мэр", "глава", "замглавы", "посол", "спикер", "канцлер", "генсек",
                     "председатель", "зампред", "пресс-секретарь", "директор", "гендиректор", "руководитель", "лидер",
                     "главком", "командующий", "госсекретарь", "сенатор", "депутат", "прокурор", "король", "монарх",
                     "шеф", "босс", "основатель", "владелец", "омбудсмен", "уполномоченный", "полпред", "генпрокурор",
                     "патриарх", "аятолла", "эмир", "принц", "султан", "начальник", "ректор", "атаман"})
# "глава ..." -> the office: "глава региона" is the governor
GLAVA = {"регион": "губернатор", "область": "губернатор", "край": "губернатор", "республика": "губернатор",
         "субъект": "губернатор", "государство": "президент", "правительство": "премьер", "кабмин": "премьер",
         "город": "мэр", "столица": "мэр", "администрация": "мэр"}
SAME_OFFICE = {"премьер-министр": "премьер", "генсек": "генеральный секретарь"}
# heads of a title that are someone else's: "помощник президента X" is no president
NOT_OFFICES = frozenset({"помощник", "советник", "представитель", "заместитель", "зам", "супруга", "жена", "муж",
                         "сын", "дочь", "брат", "сестра", "мать", "отец", "вдова", "адвокат", "сотрудник",
                         "охранник", "экс-глава", "экс-министр", "экс-президент", "бывший"})
PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Abbr", "Trad"})
NOUNISH = frozenset({"NOUN", "NPRO", "UNKN", "LATN"})
ATTRIBUTE = frozenset({"NOUN", "ADJF", "UNKN", "LATN", "NUMB", "NUMR"})  # what may follow a head noun

WORD = re.compile(r"\w+(?:-\w+)*")
CYRILLIC = re.compile(r"[а-яё]", re.I)


@dataclass(frozen=True)
class Word:
    pos: str  # part of speech of the likeliest parse (pymorphy3 tags; LATN, NUMB for non-Cyrillic)
    nom: frozenset  # numbers in which it can be nominative: a subject or the subject's adjective
    gen: bool  # can be genitive: a dependent of the noun before it ("представитель СБУ")
    proper: bool
    animate: bool
    plural: bool
    lemma: str
    verb: tuple | None  # (number, gender) when it can be a finite verb of the 3rd person or past
    gerund: bool



def plain(word: str) -> str:
    return word.lower().replace("ё", "е")


def lower(text: str) -> str:
    """plain for a whole text, keeping every offset (a few letters, like "İ", grow when lowered)."""
    low = plain(text)
    return low if len(low) == len(text) else "".join(c if len(plain(c)) != 1 else plain(c) for c in text)


@lru_cache(maxsize=1)
def speech_forms() -> dict[str, bool]:
    """Every personal form and gerund of the speech verbs -> whether an о-phrase is its content.

    Infinitives, imperatives and the 1st/2nd person stay out: "готовы обсуждать", "скажем" are no cues.
    """
    forms: dict[str, bool] = {}
    for line in VERBS_FILE.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        for form in _lexeme(parts[0]):
            forms.setdefault(form, parts[1:] == ["о"])
    return forms


def _lexeme(lemma: str) -> list[str]:
    for p in morph().parse(lemma):
        if p.tag.POS == "INFN" and plain(p.normal_form) == lemma:
            return [plain(f.word) for f in p.lexeme if is_cue_form(f.tag)]
    raise ValueError(f"{VERBS_FILE.name}: pymorphy3 does not know the verb {lemma!r}")


def is_cue_form(tag) -> bool:
    if tag.POS == "GRND":
        return True
    return tag.POS == "VERB" and tag.mood == "indc" and tag.person not in ("1per", "2per")


@lru_cache(maxsize=200_000)
def info(word: str) -> Word:
    if len(word) > 40 or not CYRILLIC.search(word):
        pos = "LATN" if word[:1].isalpha() else "NUMB"
        return Word(pos, frozenset({"sing", "plur"}), True, True, False, False, word, None, False)
    parses = morph().parse(word)
    first = parses[0]
    nom = frozenset(p.tag.number or "sing" for p in parses
                    if p.tag.POS in ("NOUN", "NPRO", "ADJF") and p.tag.case == "nomn")
    if first.tag.POS is None:  # an unknown word or abbreviation ("СБУ"): may be anything nominal
        nom = frozenset({"sing", "plur"})
    verb = next(((p.tag.number, p.tag.gender) for p in parses if is_cue_form(p.tag) and p.tag.POS == "VERB"), None)
    return Word(
        pos=first.tag.POS or "UNKN",
        nom=nom,
        gen=first.tag.POS is None or any(p.tag.case == "gent" for p in parses),
        proper=bool(PROPER & first.tag.grammemes),
        animate=first.tag.animacy == "anim",
        plural=first.tag.number == "plur",
        lemma=plain(first.normal_form),
        verb=verb,
        gerund=first.tag.POS == "GRND",
    )


@lru_cache(maxsize=20_000)
def name_gender(name: str) -> str | None:
    """Gender of a person's name ("Владимир Путин" -> masc), None when the dictionary can't tell."""
    for kind in ("Name", "Surn"):  # a first name tells the gender more surely than a surname
        for word in name.split():
            for p in morph().parse(word.lower()):
                if kind in p.tag.grammemes and p.tag.case == "nomn":
                    return p.tag.gender
    return None
