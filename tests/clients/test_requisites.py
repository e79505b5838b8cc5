import pytest
from hypothesis import given
from hypothesis import strategies as st

from clients.requisites import (
    RequisiteError,
    validate_bank_account,
    validate_bik,
    validate_correspondent_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_ogrnip,
    validate_snils,
)

VALID_INN_10 = "7707083893"
VALID_INN_12 = "500100732259"
VALID_OGRN = "1027700132195"
VALID_OGRNIP = "304500116000157"
BIK = "044525225"
CORRESPONDENT_ACCOUNT = "30101810400000000225"
SETTLEMENT_ACCOUNT = "40702810938000012345"


def _change_digit(value: str, position: int, shift: int) -> str:
    digit = (int(value[position]) + shift) % 10
    return value[:position] + str(digit) + value[position + 1 :]


def test_valid_organisation_and_individual_inn_are_returned_normalized():
    assert validate_inn(VALID_INN_10) == VALID_INN_10
    assert validate_inn(f"  {VALID_INN_12} ") == VALID_INN_12


def test_inn_with_a_changed_digit_fails_the_checksum_with_a_russian_message():
    with pytest.raises(RequisiteError) as error:
        validate_inn("7707083894")
    assert error.value.field == "inn"
    assert error.value.message == "Неверная контрольная сумма ИНН"


def test_twelve_digit_inn_checks_both_control_digits():
    with pytest.raises(RequisiteError, match="контрольная сумма"):
        validate_inn("500100732258")
    with pytest.raises(RequisiteError, match="контрольная сумма"):
        validate_inn("500100732249")


@pytest.mark.parametrize("value", ["770708389", "77070838930", "77O7083893", "", "７７０７０８３８９３"])
def test_inn_of_wrong_length_or_with_non_digits_is_rejected(value):
    with pytest.raises(RequisiteError, match="ИНН должен состоять из 10 или 12 цифр"):
        validate_inn(value)


def test_inn_of_the_other_kind_is_rejected_when_a_length_is_demanded():
    with pytest.raises(RequisiteError, match="ИНН организации должен состоять из 10 цифр"):
        validate_inn(VALID_INN_12, length=10)
    assert validate_inn(VALID_INN_12, length=12) == VALID_INN_12


def test_the_error_names_the_field_the_caller_validates():
    with pytest.raises(RequisiteError) as error:
        validate_inn("123", field="payer_inn")
    assert error.value.field == "payer_inn"
    assert str(error.value) == "ИНН должен состоять из 10 или 12 цифр"


@given(position=st.integers(min_value=0, max_value=9), shift=st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_of_a_valid_ten_digit_inn_breaks_it(position, shift):
    with pytest.raises(RequisiteError):
        validate_inn(_change_digit(VALID_INN_10, position, shift))


def test_kpp_follows_the_pattern_and_is_upper_cased():
    assert validate_kpp("770701001") == "770701001"
    assert validate_kpp("7707ab001") == "7707AB001"
    for invalid in ("77070100", "7707010011", "77A701001", "7707ЖЖ001"):
        with pytest.raises(RequisiteError, match="КПП"):
            validate_kpp(invalid)


def test_ogrn_checksum_is_the_remainder_of_the_first_twelve_digits_mod_eleven():
    assert validate_ogrn(VALID_OGRN) == VALID_OGRN
    with pytest.raises(RequisiteError, match="Неверная контрольная сумма ОГРН"):
        validate_ogrn("1027700132196")
    with pytest.raises(RequisiteError, match="ОГРН должен состоять из 13 цифр"):
        validate_ogrn("102770013219")


def test_ogrnip_checksum_uses_mod_thirteen():
    assert validate_ogrnip(VALID_OGRNIP) == VALID_OGRNIP
    with pytest.raises(RequisiteError, match="Неверная контрольная сумма ОГРНИП"):
        validate_ogrnip("304500116000158")
    with pytest.raises(RequisiteError, match="15 цифр"):
        validate_ogrnip(VALID_OGRN)


@pytest.mark.parametrize("value", ["112-233-445 95", "112-233-445-95", "11223344595", " 112233445 95 "])
def test_snils_is_accepted_in_its_usual_spellings_and_returned_as_digits(value):
    assert validate_snils(value) == "11223344595"


def test_snils_with_a_wrong_control_number_is_rejected():
    with pytest.raises(RequisiteError, match="Неверная контрольная сумма СНИЛС"):
        validate_snils("112-233-445 96")


def test_snils_with_letters_or_wrong_length_is_rejected():
    for invalid in ("112-233-445 9", "112-233-44A 95", "1122334459500"):
        with pytest.raises(RequisiteError, match="СНИЛС должен состоять из 11 цифр"):
            validate_snils(invalid)


@pytest.mark.parametrize(
    ("number", "control"),
    [
        ("100582052", "99"),  # weighted sum 99 < 100: the sum itself
        ("050234316", "00"),  # sum 100 → 00
        ("016103396", "00"),  # sum 101 → 00
        ("136571200", "49"),  # sum 150 → 150 mod 101
        ("820981233", "00"),  # sum 201 → mod 101 = 100 → 00
    ],
)
def test_snils_control_number_follows_each_branch_of_the_rule(number, control):
    assert validate_snils(number + control) == number + control


def test_snils_issued_before_checksums_existed_is_not_checked():
    assert validate_snils("001-001-998 42") == "00100199842"


def test_bik_must_have_nine_digits():
    assert validate_bik(BIK) == BIK
    with pytest.raises(RequisiteError, match="БИК должен состоять из 9 цифр"):
        validate_bik("04452522")


def test_settlement_and_correspondent_accounts_match_their_bik():
    assert validate_bank_account(SETTLEMENT_ACCOUNT, BIK) == SETTLEMENT_ACCOUNT
    assert validate_correspondent_account(CORRESPONDENT_ACCOUNT, BIK) == CORRESPONDENT_ACCOUNT


def test_settlement_account_with_a_changed_digit_or_another_bik_is_rejected():
    with pytest.raises(RequisiteError) as error:
        validate_bank_account("40702810938000012346", BIK)
    assert error.value.field == "bank_account"
    assert "расчётного счёта" in error.value.message
    with pytest.raises(RequisiteError):
        validate_bank_account(SETTLEMENT_ACCOUNT, "044525226")


def test_correspondent_account_is_not_valid_as_a_settlement_account_of_the_same_bank():
    # The two keys are computed with different БИК prefixes, so mixing the fields up is caught.
    with pytest.raises(RequisiteError, match="корреспондентского"):
        validate_correspondent_account(SETTLEMENT_ACCOUNT, BIK)


def test_account_with_wrong_length_or_an_invalid_bik_is_rejected():
    with pytest.raises(RequisiteError, match="20 цифр"):
        validate_bank_account("4070281093800001234", BIK)
    with pytest.raises(RequisiteError) as error:
        validate_bank_account(SETTLEMENT_ACCOUNT, "04452522X")
    assert error.value.field == "bik"


@given(position=st.integers(min_value=0, max_value=19), shift=st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_of_a_settlement_account_breaks_its_key(position, shift):
    # Weights 7, 1, 3 are coprime to 10, so every single-digit error changes the sum mod 10.
    with pytest.raises(RequisiteError):
        validate_bank_account(_change_digit(SETTLEMENT_ACCOUNT, position, shift), BIK)
