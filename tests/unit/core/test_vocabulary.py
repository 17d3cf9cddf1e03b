from bot.vocabulary import Vocabulary, words_of

VOCAB = Vocabulary.from_texts(["¿Cuál es la deserción escolar en Cartagena?", "las consignas de la escuela"])


def test_words_are_normalised_and_single_letters_dropped():
    assert words_of("¿Cuál es la DESERCIÓN, y 2020?") == ["cual", "es", "la", "desercion", "2020"]


def test_typo_of_a_known_word_is_known():
    assert VOCAB.is_known("desercion")
    assert VOCAB.is_known("consinas")  # one letter missing
    assert not VOCAB.is_known("qwerty")


def test_numbers_are_known():
    assert VOCAB.is_known("2019")


def test_keyboard_noise_is_detected():
    assert VOCAB.looks_like_noise("jjjjjjj")
    assert VOCAB.looks_like_noise("asdf qwer zxcv")
    assert VOCAB.looks_like_noise("?? !!!")


def test_real_questions_with_typos_are_not_noise():
    assert not VOCAB.looks_like_noise("desercion en cartajena")
    assert not VOCAB.looks_like_noise("cuales son las consinas de la escuela")
    assert not VOCAB.looks_like_noise("2020")
