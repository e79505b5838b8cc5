"""Every kind renders from realistic data: its text, amounts, fonts and (for the receipt) the QR code."""

from __future__ import annotations

from datetime import date

import pytest
import zxingcpp
from PIL import Image

from documents.kinds import KINDS
from documents.rendering import DocumentDataError, Meta, Renderer, renderer
from documents.samples import SAMPLES
from tests.documents.conftest import page_png, pdf_fonts, pdf_text, qr_codes

EXPECTED = {
    "invoice": ["Счёт на оплату № 7 от 31 марта 2026 г.", "БИК 044525225", "40702810938000012345",
                "ООО «Сибирская выпечка», ИНН 5406123450", "13 197,76", "НДС 22%: 3 715,68 ₽",
                "Всего к оплате: 20 605,12 ₽", "Двадцать тысяч шестьсот пять рублей 12 копеек",
                "Оплатить не позднее 10.04.2026", "Договор № 15-ТКО/2026 от 10.01.2026"],
    "act": ["Акт оказанных услуг № 7 от 31 марта 2026 г.", "за март 2026 г.", "113", "13 197,76", "2 903,51",
            "16 101,27", "Шестнадцать тысяч сто один рубль 27 копеек", "Петров С. Н.", "Смирнова А. В."],
    "receipt": ["Платёжный документ (квитанция) за март 2026 г.", "Лицевой счёт 5400123456", "Иванов Иван Иванович",
                "3 чел.", "274,57", "Перерасчёт: временное отсутствие 1 чел., 12 дней", "−35,43",
                "Пени", "3,15 ₽", "К оплате: 242,29 ₽", "Оплатить до 15.04.2026"],
    "claim": ["ПРЕТЕНЗИЯ", "Исх. № 7", "50 000,00 ₽", "49", "1/130", "9,50%", "1 790,38", "51 790,38 ₽",
              "Пятьдесят одна тысяча семьсот девяносто рублей 38 копеек", "в течение 10 календарных дней",
              "Арбитражный суд"],
    "upd": ["Универсальный передаточный документ", "Статус: 1", "Счёт-фактура № 7 от 31 марта 2026 г.",
            "ИНН/КПП продавца: 7707083893/540601001", "ИНН/КПП покупателя: 5406123450/540601001",
            "Российский рубль, 643", "113", "28,600", "461,46", "13 197,76", "22%", "2 903,51", "16 101,27",
            "договор № 15-ТКО/2026 от 10.01.2026", "Смирнова А. В.", "Петров С. Н."],
    "vat_invoice": ["Счёт-фактура № 7 от 31 марта 2026 г.", "№ 1137", "7707083893/540601001", "5406123450/540601001",
                    "630099, г. Новосибирск, ул. Советская, д. 18, офис 401", "630007, г. Новосибирск, ул. Фабричная",
                    "Российский рубль, 643", "113", "м³", "28,600", "461,46", "22%", "2 903,51", "16 101,27",
                    "№ 118 от 05.03.2026", "№ 41 от 31.03.2026", "Кузнецова О. П."],
    "reconciliation": ["Акт сверки взаимных расчётов № 7", "с 01.01.2026 по 31.03.2026",
                       "по договору № 15-ТКО/2026 от 10.01.2026", "Сальдо начальное 12 000,00",
                       "Акт № 27 от 28.02.2026", "Оплата, п/п № 118", "Обороты за период", "48 303,81", "44 202,54",
                       "Сальдо конечное", "задолженность в пользу ООО «Чистый город» составляет 16 101,27 ₽",
                       "Шестнадцать тысяч сто один рубль 27 копеек", "Петров С. Н.", "Смирнова А. В."],
    "court_order": ["Мировому судье судебного участка № 3", "Взыскатель: ООО «Чистый город», ИНН 7707083893",
                    "Должник: Иванов Иван Иванович", "СНИЛС 112-233-445 95", "Сумма требований: 10 540,77 ₽",
                    "Государственная пошлина: 2 000,00 ₽", "ЗАЯВЛЕНИЕ", "о выдаче судебного приказа",
                    "10 000,00 × 60 × 1/300 × 9,50%", "190,00", "350,77", "540,77", "ст. 121–124",
                    "всего 12 540,77 ₽", "платёжным поручением № 2381 от 01.09.2026", "Приложения",
                    "Выписка из лицевого счёта № 5400123456"],
    "route_sheet": ["Маршрутный лист № 7", "2 декабря 2026 г.", "смена 07:00–19:00", "ООО «Восток-Экология»",
                    "А123ВС154", "20,0 м³", "1:5,0", "Петров П. П.", "Рейс 1", "Рейс 2", "54-0017",
                    "г. Новосибирск, ул. Станционная, д. 30", "пластик", "1,10", "08:51", "4,40",
                    "Полигон «Левобережный» — прибытие 11:05, убытие 11:30, масса по талону 4,120 т",
                    "Всего остановок", "Контейнеров", "15,4 м³", "87,4 км", "10,5 ч"],
    "container_installation": ["Акт установки контейнеров № 7", "«31» марта 2026 г.", "30 марта 2026 г.",
                               "КП-54-001234", "г. Новосибирск, ул. Фабричная, д. 4, во дворе",
                               "пластиковый евроконтейнер 1,10 2 2,20 К-0417, К-0418",
                               "бункер для КГО 8,00 1 8,00 Б-0031",
                               "Итого", "10,20", "Договор № 15-ТКО/2026", "Петров С. Н.", "Смирнова А. В."],
    "contract": ["ДОГОВОР № 7", "на оказание услуг по обращению с твёрдыми коммунальными отходами",
                 "«31» марта 2026 г.", "461,46 ₽", "343,200 м³", "КП-54-001234", "55,041320", "82,912110",
                 "пластиковый евроконтейнер, 1,10 м³ — 2 шт.", "понедельник, среда, пятница", "1/130",
                 "ИНН 7707083893", "КПП 540601001", "ОГРН 1027700132195", "Приложение № 1",
                 "16 101,27 ₽", "до 31.12.2026"],
}
QR = ("ST00012|Name=ООО «Чистый город»|PersonalAcc=40702810938000012345|BankName=ПАО Сбербанк, г. Москва"
      "|BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7707083893|Sum=24229"
      "|Purpose=Оплата услуги по обращению с ТКО, л/с 5400123456, март 2026\u00a0г.|PersAcc=5400123456|PaymPeriod=0326")


def _render(kind: str, tmp_path, pictures):
    using = renderer()
    number = None if not KINDS[kind].numbered else "7"
    rendered = using.pdf(kind, [(using.validate(kind, SAMPLES[kind]()), Meta(number, date(2026, 3, 31)))])
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(rendered.content)
    page_png(path, pictures / f"{kind}.png", resolution=100)
    return rendered, path


def test_every_kind_has_a_sample_and_expectations():
    assert set(EXPECTED) == set(KINDS) == set(SAMPLES)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_every_kind_prints_its_fields_and_amounts(kind, tmp_path, pictures):
    rendered, _ = _render(kind, tmp_path, pictures)
    text = pdf_text(rendered.content)
    missing = [phrase for phrase in EXPECTED[kind] if phrase not in text]
    assert not missing, f"{missing} not in: {text}"
    assert "None" not in text


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_only_the_pt_fonts_are_embedded_no_fallback(kind, tmp_path, pictures):
    _, path = _render(kind, tmp_path, pictures)
    fonts = pdf_fonts(path)
    assert fonts and all(font["embedded"] == "yes" for font in fonts)
    family = "PT-Serif" if KINDS[kind].serif else "PT-Sans"
    assert {font["name"].split("+", 1)[1].split("-Bold")[0] for font in fonts} == {family}, fonts


def test_the_receipt_qr_code_decodes_to_the_gost_payment_string(tmp_path, pictures):
    _, path = _render("receipt", tmp_path, pictures)
    png = page_png(path, tmp_path / "receipt-qr.png", resolution=200)
    assert qr_codes(png) == [QR]
    # byte mode without an ECI designator (`]Q1`, not `]Q2`): the bytes are UTF-8 as the header ST00012 says,
    # which bank apps that ignore ECI segments read as well
    decoded = zxingcpp.read_barcode(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)
    assert (decoded.symbology_identifier, decoded.bytes.decode("utf-8")) == ("]Q1", QR)


def test_missing_data_fails_listing_every_missing_field():
    data = SAMPLES["invoice"]()
    del data["supplier"]["bank"]["bik"]
    del data["payer"]["name"]
    data["lines"][0]["price"] = "-5"
    with pytest.raises(DocumentDataError) as error:
        renderer().validate("invoice", data)
    assert set(error.value.fields) == {"supplier.bank.bik", "payer.name", "lines.0.price"}
    assert "supplier.bank.bik — обязательное поле не заполнено" in str(error.value)
    assert "Счёт на оплату" in str(error.value)


def test_a_receipt_without_bank_details_or_with_a_bad_inn_is_refused():
    data = SAMPLES["receipt"]()
    del data["provider"]["bank"]
    data["provider"]["inn"] = "7707083894"
    with pytest.raises(DocumentDataError) as error:
        renderer().validate("receipt", data)
    assert error.value.fields == {"provider.bank": "обязательное поле не заполнено",
                                  "provider.inn": "Неверная контрольная сумма ИНН"}


def test_an_account_that_does_not_match_its_bik_is_refused():
    data = SAMPLES["invoice"]()
    data["supplier"]["bank"]["account"] = "40702810938000012346"
    with pytest.raises(DocumentDataError) as error:
        renderer().validate("invoice", data)
    assert list(error.value.fields) == ["supplier.bank.account"]


def test_a_none_reaching_the_paper_fails_instead_of_printing_none():
    using = renderer()
    data = using.validate("invoice", SAMPLES["invoice"]())
    with pytest.raises(ValueError, match="None"):
        using.html("invoice", [(data, Meta(None, date(2026, 3, 31)))])  # a numbered kind without its number


def test_a_template_with_a_syntax_error_fails_when_the_renderer_is_built(tmp_path):
    for source in (Renderer().environment.loader.searchpath[0],):
        for file in __import__("pathlib").Path(source).iterdir():
            (tmp_path / file.name).write_bytes(file.read_bytes())
    (tmp_path / "act.html").write_text("{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}")
    with pytest.raises(Exception, match="act.html|Expected an expression"):
        Renderer(tmp_path)


def test_many_receipts_share_one_pdf_and_each_knows_its_first_page():
    using = renderer()
    items = [(using.validate("receipt", SAMPLES["receipt"](account=f"54000000{i:02d}")), Meta(None, date(2026, 3, 31)))
             for i in range(5)]
    rendered = using.pdf("receipt", items)
    assert rendered.pages == 5 and rendered.starts == (0, 1, 2, 3, 4)
    assert all(f"54000000{i:02d}" in pdf_text(rendered.content) for i in range(5))


def test_each_item_of_many_pages_starts_on_its_first_page():
    using = renderer()
    data = using.validate("contract", SAMPLES["contract"]())
    single = using.pdf("contract", [(data, Meta("7", date(2026, 3, 31)))])
    rendered = using.pdf("contract", [(data, Meta("7", date(2026, 3, 31))), (data, Meta("8", date(2026, 3, 31)))])
    assert single.pages > 1
    assert rendered.starts == (0, single.pages) and rendered.pages == 2 * single.pages
