"""Builders of 1CClientBankExchange files for the tests and the benchmark."""

from __future__ import annotations

OUR_ACCOUNT = "40702810938000012345"
HEADER = """1CClientBankExchange
ВерсияФормата=1.03
Кодировка={encoding}
Отправитель=Бухгалтерия предприятия
Получатель=
ДатаСоздания=01.09.2026
ВремяСоздания=10:00:00
ДатаНачала=01.04.2026
ДатаКонца=31.08.2026
РасчСчет={account}
СекцияРасчСчет
ДатаНачала=01.04.2026
ДатаКонца=31.08.2026
РасчСчет={account}
НачальныйОстаток=0.00
КонецРасчСчет
"""


def document(number: str, day: str, amount: str, purpose: str, payer_inn: str = "500100732259",
             payer_account: str = "40817810099910004312", extra: str = "") -> str:
    return f"""СекцияДокумент=Платежное поручение
Номер={number}
Дата={day}
Сумма={amount}
ПлательщикСчет={payer_account}
Плательщик=Иванов Иван Иванович
ПлательщикИНН={payer_inn}
ПолучательСчет={OUR_ACCOUNT}
Получатель=ООО "УК"
ДатаПоступило={day}
{extra}НазначениеПлатежа={purpose}
КонецДокумента
"""


def bank_file(*documents: str, encoding: str = "Windows") -> bytes:
    text = HEADER.format(encoding=encoding, account=OUR_ACCOUNT) + "".join(documents) + "КонецФайла\n"
    codec = {"Windows": "cp1251", "DOS": "cp866"}.get(encoding, "utf-8")
    return text.replace("\n", "\r\n").encode(codec)
