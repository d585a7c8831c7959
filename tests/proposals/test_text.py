"""Arabic-aware folding, tokens, search terms and similarity (pure functions, no app)."""
from __future__ import annotations

import pytest

from roadmap.proposals.text import fold, search_terms, similarity, strip_article, tokens

# (written, other spelling): both must fold to the same text.
SAME = [
    ("المدرسة", "المدرسه"),                      # taa marbuta
    ("إصلاح", "اصلاح"),                          # alef with hamza below
    ("أشغال", "اشغال"),                          # alef with hamza above
    ("آبار", "ابار"),                            # alef with madda
    ("ٱلطريق", "الطريق"),                        # alef wasla
    ("مستشفى", "مستشفي"),                        # alef maqsura
    ("مسؤول", "مسوول"),                          # waw with hamza
    ("مسئول", "مسيول"),                          # yeh with hamza
    ("المَدْرَسَةُ", "المدرسة"),                    # harakat
    ("المدرســـــة", "المدرسة"),                  # tatweel
    ("المـَـدرسـةٌ", "المدرسه"),                  # diacritics and tatweel at once
    ("ﻻ", "لا"),                                 # presentation form (NFKC)
    ("الماءُ الصالحُ للشربِ", "الماء الصالح للشرب"),
    ("٢٠٢٤", "2024"),                            # Arabic-Indic digits
    ("۱۲۳", "123"),                              # extended Arabic-Indic digits
    ("École ÉLÉMENTAIRE", "ecole elementaire"),  # case and accents
    ("Straße", "strasse"),
    ("l'école, (réparée)!", "l ecole reparee"),  # punctuation
    ("هل يوجد ماء؟ نعم، يوجد؛", "هل يوجد ماء نعم يوجد"),  # Arabic punctuation
    ("ماء\u200cبارد", "ماءبارد"),                 # zero-width non-joiner dropped
    ("  many   spaces\n\tand lines ", "many spaces and lines"),
]


@pytest.mark.parametrize(("written", "other"), SAME)
def test_spellings_fold_to_the_same_text(written, other):
    assert fold(written) == fold(other)


@pytest.mark.parametrize(("text", "expected"), [
    ("المدرسة", "المدرسه"),
    ("إصلاح الطريق", "اصلاح الطريق"),
    ("مستشفى", "مستشفي"),
    ("سماء", "سماء"),                   # the lone hamza is kept
    ("Égout", "egout"),
    ("", ""),
    (None, ""),
])
def test_fold_gives_the_expected_text(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize("text", [text for pair in SAME for text in pair])
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_different_words_stay_different():
    assert fold("مدرسة") != fold("مدرس")
    assert fold("سد") != fold("سيد")


def test_tokens_drop_stop_words_short_words_and_articles():
    assert tokens("بناء المدرسة في الدوار") == {"بناء", "مدرسه", "دوار"}
    assert tokens("Construire une école dans le douar") == {"construire", "ecole", "douar"}
    assert tokens("Build a school for the village") == {"build", "school", "village"}
    assert tokens("و في من") == set()


def test_article_is_stripped_only_when_a_word_remains():
    assert strip_article("المدرسه") == "مدرسه"
    assert strip_article("والمدرسه") == "مدرسه"
    assert strip_article("بالدوار") == "دوار"
    assert strip_article("الله") == "الله"       # would leave two letters
    assert strip_article("مدرسه") == "مدرسه"


def test_search_terms_are_folded_in_order_without_duplicates():
    assert search_terms("المدرسه المدرسة مستشفى") == ["مدرسه", "مستشفي"]
    assert search_terms("  the, of ") == []
    assert search_terms("École") == ["ecole"]


@pytest.mark.parametrize(("a", "b"), [
    ("بناء مدرسة في الدوار", "بناء المدرسه بالدوار"),
    ("إصلاح الطريق", "اصلاح الطريق"),
    ("توسيع المستشفى", "توسيع مستشفي"),
    ("Construire une école", "construire une ECOLE"),
])
def test_the_same_text_in_other_spellings_is_fully_similar(a, b):
    assert similarity(a, b) == pytest.approx(1.0)


def test_similarity_ranks_close_texts_above_unrelated_ones():
    query = "ربط الدوار بشبكة الماء الصالح للشرب"
    close = "ربط الدواوير بشبكة الماء الصالح للشرب"
    related = "توفير الماء الصالح للشرب للمدرسة"
    unrelated = "تعبيد الطريق الرابطة بين الجماعة والطريق الإقليمية"
    assert similarity(query, close) > similarity(query, related) > similarity(query, unrelated)
    assert similarity(query, close) > 0.5
    assert similarity(query, unrelated) < 0.15


def test_similarity_gives_credit_for_plurals_and_suffixes():
    assert similarity("Réparer les écoles", "Réparer l'école") > 0.5
    assert 0 < similarity("école", "écoles") < 1


def test_similarity_is_symmetric_and_bounded():
    a, b = "Éclairage public dans le quartier", "الإنارة العمومية في الحي"
    assert similarity(a, b) == similarity(b, a) == 0.0
    assert similarity("", "anything") == 0.0
    assert similarity(None, None) == 0.0
