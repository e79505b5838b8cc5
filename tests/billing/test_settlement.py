from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from billing.accrual import accrue_period
from billing.models import PartnerRate, PartnerVatRegime
from billing.period import PeriodClosed, close_period
from billing.recalculation import record_interruption
from billing.settlement import SettlementRejected, partner_settlement


def rate(session, partner, name, value, valid_from=date(2026, 1, 1), valid_to=None):
    session.add(PartnerRate(partner_id=partner.id, name=name, valid_from=valid_from, valid_to=valid_to,
                            value=Decimal(value), source="test"))
    session.commit()


def test_the_partner_fee_is_rent_plus_bonuses_minus_the_reductions_it_caused(session, partner, make_account):
    rate(session, partner, "shift_rent", "15000")
    rate(session, partner, "trip_rent", "2500")
    rate(session, partner, "agent_commission", "5")
    session.add(PartnerVatRegime(partner_id=partner.id, valid_from=date(2026, 1, 1), regime="usn_5"))
    late = make_account(residents=1)
    other = make_account(residents=1)
    record_interruption(session, "d-1", late.id, datetime(2026, 3, 10, 8), Decimal(72), Decimal(12))
    record_interruption(session, "d-2", other.id, datetime(2026, 3, 11, 8), Decimal(72), Decimal(12),
                        caused_by_partner=False)
    accrue_period(session, 2026, 3)
    result = partner_settlement(session, partner.id, 2026, 3, shifts=20, trips=4,
                                bonuses=[{"title": "Премия за зимний сезон", "amount": "10000.00"}],
                                agent_sales=[{"agent": "Петров П. П.", "base": "12345.67"}])
    # 20 × 15,000 + 4 × 2,500 + 10,000 − 6.04 (only the delay the partner caused) = 319,993.96 ₽
    assert result.net == Decimal("319993.96")
    assert result.vat == Decimal("15999.70")  # УСН 5%
    assert result.agent_commissions == Decimal("617.28")  # 5% of 12,345.67
    assert [line["kind"] for line in result.lines] == ["shift_rent", "trip_rent", "bonus", "reduction",
                                                        "agent_commission"]


def test_rent_follows_the_rate_in_force_in_the_month(session, partner):
    rate(session, partner, "shift_rent", "14000", date(2025, 1, 1), date(2026, 2, 28))
    rate(session, partner, "shift_rent", "15000", date(2026, 3, 1))
    assert partner_settlement(session, partner.id, 2026, 2, shifts=1).net == Decimal("14000.00")
    assert partner_settlement(session, partner.id, 2026, 3, shifts=1).net == Decimal("15000.00")


def test_a_missing_rate_and_a_closed_month_are_refused_in_russian(session, partner):
    with pytest.raises(SettlementRejected, match="Для партнёра не задана ставка «trip_rent» на 01.03.2026"):
        partner_settlement(session, partner.id, 2026, 3, trips=1)
    close_period(session, 2026, 2)
    with pytest.raises(PeriodClosed):
        partner_settlement(session, partner.id, 2026, 2, shifts=1)


def test_a_month_of_mixed_causes_charges_the_partner_its_share_of_the_hours_over_the_limits(
        session, partner, make_account):
    rate(session, partner, "shift_rent", "15000")
    account = make_account(residents=1)
    # Cold month, 48 h allowed at once, 72 h a month: the partner's 60 h go 12 h over the single limit; the road
    # closure's 60 h after it are 48 h over the monthly 72 h — 60 h over in all, a 2-day (6.6%) reduction.
    record_interruption(session, "m-1", account.id, datetime(2026, 3, 5, 8), Decimal(60), Decimal(-3))
    record_interruption(session, "m-2", account.id, datetime(2026, 3, 20, 8), Decimal(60), Decimal(-3),
                        caused_by_partner=False)
    accrue_period(session, 2026, 3)
    fee = (Decimal("461.46") * Decimal("2.38") / 12).quantize(Decimal("0.01"))  # one resident's month
    reduction = (fee * Decimal("0.066")).quantize(Decimal("0.01"))
    result = partner_settlement(session, partner.id, 2026, 3, shifts=1)
    charged_back = Decimal("15000.00") - result.net
    assert charged_back == (reduction * 12 / 60).quantize(Decimal("0.01"))  # 12 of the 60 h over were the partner's
    assert charged_back > 0
