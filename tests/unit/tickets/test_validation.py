import pytest

from bot.tickets.validation import (
    check_cargo,
    check_description,
    check_email,
    check_name,
    check_phone,
    clean_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("marta.perez@medellin.gov.co", "marta.perez@medellin.gov.co"),
        ("  Marta.Perez@EDUCACION.gov.co ", "Marta.Perez@educacion.gov.co"),
        ("juan+sed@example.org", "juan+sed@example.org"),
    ],
)
def test_valid_emails_are_cleaned(raw, expected):
    check = check_email(raw)
    assert check.ok and check.value == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "vacio"),
        ("marta perez@x.org", "espacios"),
        ("martaperez.gmail.com", "arroba"),
        ("a@b@c.org", "arroba"),
        ("@example.org", "usuario"),
        ("marta..perez@example.org", "usuario"),
        ("marta@localhost", "dominio"),
        ("marta@-x.org", "dominio"),
        ("marta@x.123", "dominio"),
        ("marta@gmail.con", "dominio_dudoso"),
        ("marta@gmial.com", "dominio_dudoso"),
    ],
)
def test_invalid_emails_give_a_reason(raw, reason):
    check = check_email(raw)
    assert not check.ok and check.reason == reason


def test_suspicious_domain_comes_with_a_suggestion():
    assert check_email("marta@hotmail.con").details["sugerencia"] == "marta@hotmail.com"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("300 123 4567", "+573001234567"), ("+57 (604) 444 5566", "+576044445566"), ("573151234567", "+573151234567")],
)
def test_colombian_phones(raw, expected):
    assert check_phone(raw).value == expected


@pytest.mark.parametrize("raw", ["12345", "4441234", "tel 3001234567", "2001234567"])
def test_bad_phones(raw):
    assert check_phone(raw).reason == "formato"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "vacio"), ("marta@x.org", "parece_correo"), ("Marta 2", "con_numeros"), ("M", "corto"), ("a" * 121, "largo")],
)
def test_bad_names(raw, reason):
    assert check_name(raw).reason == reason


def test_names_and_cargo_are_trimmed():
    assert check_name("  María   José  Ñañez ").value == "María José Ñañez"
    assert check_cargo(" Líder de cobertura ").value == "Líder de cobertura"
    assert check_cargo("..").reason == "vacio"


def test_description_limit_is_5000_characters():
    assert check_description("á" * 5000).ok
    check = check_description("á" * 5001)
    assert not check.ok and check.reason == "largo"
    assert check.details == {"maximo": 5000, "longitud": 5001}


def test_description_too_short_or_empty():
    assert check_description("   ").reason == "vacio"
    assert check_description("ayuda").reason == "corto"


def test_text_is_kept_verbatim_except_control_characters():
    raw = "<script>alert(1)</script> 😀 '; DROP TABLE tickets; --\n\tfin\x00\x07"
    assert clean_text(raw) == "<script>alert(1)</script> 😀 '; DROP TABLE tickets; --\n\tfin"
    assert check_description(raw).value == clean_text(raw)
