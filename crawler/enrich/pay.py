"""Pay: salary range, currency (ISO 4217) and period from structured fields or text.

Structured pay (a platform's min/max/currency/interval) wins; pay text from the
platform comes next; the description is scanned last, in one pass of one compiled
regex, for an amount or range with a currency ("$180,000 - $250,000 USD", "£45k",
"€60.000 - €80.000 per year", "$45/hour"). Amounts that are not pay (equity, a
"$1,000 learning stipend", "$10M Series B") are rejected by their context and by
plausible bounds for the period. No pay found stays None.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

PERIODS = ("hour", "day", "week", "month", "year")


@dataclass(frozen=True)
class Pay:
    min: float | None
    max: float | None
    currency: str | None
    period: str | None


_CODES = (
    "USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|PLN|JPY|INR|SGD|HKD|NZD|BRL|MXN|ZAR|ILS|CZK|HUF|"
    "RON|AED|KRW|CNY|TRY|ARS|COP|CLP|PHP|IDR|MYR|THB|TWD|NGN|KES|EGP|SAR|QAR|UAH|BGN"
)
_SYMBOLS = {
    "$": "USD", "US$": "USD", "C$": "CAD", "CA$": "CAD", "A$": "AUD", "AU$": "AUD",
    "S$": "SGD", "SG$": "SGD", "HK$": "HKD", "NZ$": "NZD", "R$": "BRL", "MX$": "MXN",
    "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₪": "ILS", "₩": "KRW", "zł": "PLN",
    "Fr.": "CHF", "CHF": "CHF", "kr": "SEK",
}  # fmt: skip
# Currencies whose pay runs to millions of units a year.
_LARGE_UNIT = frozenset({"JPY", "INR", "KRW", "HUF", "CLP", "COP", "IDR", "ARS", "NGN",
                         "KES", "PHP", "TWD", "THB", "UAH", "CZK"})  # fmt: skip

_SYMBOL = r"(?:US\$|CA\$|C\$|AU\$|A\$|SG\$|S\$|HK\$|NZ\$|R\$|MX\$|[$€£¥₹₪₩])"
# Any three capitals: checked against the codes after matching (an alternation of
# every code here would be tried at every position).
_CODE = r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])"
_AMOUNT = r"\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_SCALE = r"\s?[kKmM](?![a-zA-Z])"
_DASH = r"\s*(?:-|–|—|to|and|bis|à)\s*"  # noqa: RUF001 (en and em dashes are meant)
_PAY = re.compile(
    rf"(?<![\w.,$])(?P<c1>{_SYMBOL}|{_CODE}\s?)?\s?(?P<a1>{_AMOUNT})(?P<k1>{_SCALE})?"
    rf"(?:\s?(?P<c2>{_CODE}|€|zł|kr\b))?"
    rf"(?:{_DASH}(?P<c3>{_SYMBOL}|{_CODE}\s?)?\s?(?P<a2>{_AMOUNT})(?P<k2>{_SCALE})?"
    rf"(?:\s?(?P<c4>{_CODE}|€|zł|kr\b))?)?"
)
_PERIOD_AFTER = re.compile(
    r"\s*(?:(?:/|per|an?|each|every|pro)\s*)?(?P<unit>hour|hr|h\b|year|yr|annum|jahr|"
    r"month|mo\b|monat|week|wk|day)|\s*(?P<adverb>annually|yearly|hourly|monthly|weekly|daily)",
    re.IGNORECASE,
)
_PERIOD_BEFORE = re.compile(
    r"(?P<year>annual|yearly|per\s+year|per\s+annum|\bOTE\b)|(?P<hour>hourly|per\s+hour)|"
    r"(?P<month>monthly|per\s+month)|(?P<week>weekly)|(?P<day>daily|day\s+rate)",
    re.IGNORECASE,
)
_PAY_WORDS = re.compile(
    r"salary|salaries|\bpay\b|compensation|\bbase\b|wage|\brate\b|\bote\b|earn|range|"
    r"gehalt|salaire|vergütung|package",
    re.IGNORECASE,
)
_NOT_PAY_BEFORE = re.compile(
    r"(?:raised|funding|valuation|revenue|budget|stipend|allowance|bonus|reimburse|"
    r"credit|donat|grant|invest|worth|\barr\b)\w*[ \t:]*(?:[\w'-]+[ \t]+){0,3}$",
    re.IGNORECASE,
)
# Words right after the amount ("$1,000 learning stipend", "$10M Series B"); a "+"
# between them ("$150k + bonus + equity") keeps the amount as pay.
_NOT_PAY_AFTER = re.compile(
    r"^\s*(?:[a-z-]+\s+){0,2}?(?:stipend|budget|allowance|bonus|credit|reimburse|series|"
    r"funding|seed|round|raised|valuation|revenue|in\s+(?:equity|funding|revenue|stock|rsus?)|"
    r"arr\b|equity|grant|match|gift|donation|per\s+employee|sign-?on)",
    re.IGNORECASE,
)
_UNITS = {
    "hour": "hour", "hr": "hour", "h": "hour", "hourly": "hour",
    "year": "year", "yr": "year", "annum": "year", "jahr": "year", "annually": "year",
    "yearly": "year", "month": "month", "mo": "month", "monat": "month", "monthly": "month",
    "week": "week", "wk": "week", "weekly": "week", "day": "day", "daily": "day",
}  # fmt: skip
# Plausible pay per period (in units of a "small-unit" currency such as USD or EUR).
_BOUNDS = {"hour": (5, 2_000), "day": (40, 10_000), "week": (200, 50_000),
           "month": (500, 200_000), "year": (10_000, 5_000_000)}  # fmt: skip
_CODE_SET = frozenset(_CODES.split("|"))


_WINDOW_BEFORE, _WINDOW_AFTER = 40, 60
_PERIOD_HINT_WORDS = ("annu", "year", "ote", "hour", "month", "week", "dai", "day")
# Two cheap scans find where pay may be: currency symbols, and runs of three capitals
# (most are "API" or "AWS"; a code is one of them). Both run lazily, in text order:
# the first window holding pay ends the search.
_SYMBOL_CHARS = "$€£¥₹₪₩ł"
_SYMBOL_MARK = re.compile(f"[{_SYMBOL_CHARS}]")
_CAPITALS = re.compile("[A-Z][A-Z][A-Z]")


def _marker_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where pay may be, in order: (start, end) of each currency symbol or code."""
    if not any(symbol in text for symbol in _SYMBOL_CHARS):  # str searches: cheaper than re
        return _code_spans(text)
    symbols = (found.span() for found in _SYMBOL_MARK.finditer(text))
    return heapq.merge(symbols, _code_spans(text))


def _code_spans(text: str) -> Iterator[tuple[int, int]]:
    # A code standing alone begins a run of capitals, so the scan of runs finds it.
    for found in _CAPITALS.finditer(text):
        start, end = found.span()
        if found[0] not in _CODE_SET:
            continue
        if not (start and text[start - 1].isalpha()) and not text[end : end + 1].isalpha():
            yield start, end  # "USD", not "USDA"


def parse_pay_text(text: str | None, *, known_pay: bool = False) -> Pay | None:
    """The first plausible pay amount or range in ``text``, or None.

    ``known_pay``: the text is a platform's pay field, so a bare amount needs no
    "salary" word nearby to count. Only the neighbourhood of each currency marker is
    matched against the full pattern, so a long description costs one cheap scan.
    """
    if not text:
        return None
    for start, end in _windows(text):
        for match in _PAY.finditer(text, start, end):
            pay = _pay_from_match(text, match, known_pay)
            if pay is not None:
                return pay
    return None


def _windows(text: str) -> Iterator[tuple[int, int]]:
    """Spans around currency markers, overlapping ones merged (a range's two markers
    fall in one span), never ending inside a number."""
    start = end = -1
    for marker_start, marker_end in _marker_spans(text):
        if start >= 0 and marker_start - _WINDOW_BEFORE <= end:
            end = max(end, marker_end + _WINDOW_AFTER)
            continue
        if start >= 0:
            yield start, _word_end(text, end)
        start, end = max(0, marker_start - _WINDOW_BEFORE), marker_end + _WINDOW_AFTER
    if start >= 0:
        yield start, _word_end(text, end)


def _word_end(text: str, end: int) -> int:
    end = min(len(text), end)
    while end < len(text) and not text[end].isspace():
        end += 1
    return end


def _pay_from_match(text: str, match: re.Match[str], known_pay: bool) -> Pay | None:
    symbol = _known(match["c1"]) or _known(match["c3"])
    code = _known(match["c2"]) or _known(match["c4"])
    if not symbol and not code:
        return None
    currency = _currency(code) or _currency(symbol)
    low = _amount(match["a1"], match["k1"])
    high = _amount(match["a2"], match["k2"]) if match["a2"] else None
    if low is None:
        return None
    if high is not None and match["k2"] and not match["k1"] and low < 1000:
        low *= _scale(match["k2"])  # "$180-250K"
    if high is not None and high < low:
        low, high = high, low
    top = high if high is not None else low
    factor = _unit_factor(currency)
    year_floor = _BOUNDS["year"][0] * max(1, factor // 10)  # ¥4,000,000 a year is pay
    after = text[match.end() : match.end() + 40]
    period = _period_after(after)
    if period is None and top < year_floor and not known_pay:
        # Without a period only a yearly amount is recognisable; look no further
        # unless the words before name one ("Hourly rate: $25 - $35").
        before = text[max(0, match.start() - 80) : match.start()]
        period = _period_before(before)
        if period is None:
            return None
    if _NOT_PAY_AFTER.search(after):
        return None
    before = text[max(0, match.start() - 80) : match.start()]
    if _NOT_PAY_BEFORE.search(before[-40:]):
        return None
    period = period or _period_before(before)
    if not (known_pay or period or high is not None or _PAY_WORDS.search(before)):
        return None
    if period is None:
        if top < year_floor:
            return None
        period = "year"
    floor, ceiling = _BOUNDS[period]
    if low < floor or top > ceiling * factor:
        return None
    return Pay(low, high if high is not None else low, currency, period)


def _known(marker: str | None) -> str | None:
    """The marker when it is a currency ("USD", "$"), None for other capitals ("API")."""
    if not marker:
        return None
    marker = marker.strip()
    if len(marker) == 3 and marker.isalpha() and marker.isupper():
        return marker if marker in _CODE_SET else None
    return marker


def _period_after(after: str) -> str | None:
    found = _PERIOD_AFTER.match(after)
    return _UNITS[(found["unit"] or found["adverb"]).lower()] if found else None


def _period_before(before: str) -> str | None:
    lowered = before.lower()
    if not any(word in lowered for word in _PERIOD_HINT_WORDS):
        return None
    hints = list(_PERIOD_BEFORE.finditer(before))
    if hints:
        return next(name for name, value in hints[-1].groupdict().items() if value)
    return None


def _unit_factor(currency: str | None) -> int:
    return 1000 if currency in _LARGE_UNIT else 1


def _currency(marker: str | None) -> str | None:
    if not marker:
        return None
    marker = marker.strip()
    return _SYMBOLS.get(marker) or (marker.upper() if len(marker) == 3 else None)


def _scale(suffix: str | None) -> int:
    if not suffix:
        return 1
    return 1000 if suffix.strip().lower() == "k" else 1_000_000


def _amount(raw: str | None, suffix: str | None) -> float | None:
    if not raw:
        return None
    digits = re.sub(r"[\u00a0\u202f' ]", "", raw)
    # A separator followed by exactly three digits groups thousands ("60.000", "180,000");
    # one or two digits after the last separator are decimals ("45.50", "12,5").
    head, sep, tail = max(digits.rpartition(","), digits.rpartition("."), key=lambda p: len(p[0]))
    if sep and len(tail) in (1, 2):
        digits = re.sub(r"[.,]", "", head) + "." + tail
    else:
        digits = re.sub(r"[.,]", "", digits)
    try:
        return float(Decimal(digits)) * _scale(suffix)
    except InvalidOperation:
        return None


# --- structured pay -----------------------------------------------------------------

_PERIOD_WORDS = (
    (re.compile(r"hour|hr\b|hourly", re.I), "hour"),
    (re.compile(r"\bday|daily", re.I), "day"),
    (re.compile(r"week", re.I), "week"),
    (re.compile(r"month", re.I), "month"),
    (re.compile(r"year|annual|annum|yr\b|salary", re.I), "year"),
)


def normalize_period(raw: Any) -> str | None:
    """A platform's pay interval as a period: Lever "per-year-salary", Ashby "1 YEAR",
    JSON-LD "HOUR", "annual" -> year/hour/... ; anything else (e.g. "one-time") None."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    for pattern, period in _PERIOD_WORDS:
        if pattern.search(raw):
            return period
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value) if value > 0 else None
    if isinstance(value, str):
        found = re.search(_AMOUNT, value)
        if found:
            suffix = re.match(r"\s?[kK]\b", value[found.end() :])
            return _amount(found.group(0), suffix.group(0) if suffix else None) or None
    return None


def pay_from_structured(salary: Any) -> Pay | None:
    """Pay from a platform's structured fields ({"min", "max", "currency", "period"};
    "interval"/"unitText"/"minValue"/"maxValue" accepted too), or None when unusable."""
    if not isinstance(salary, dict):
        return None
    low = _number(salary.get("min", salary.get("minValue")))
    high = _number(salary.get("max", salary.get("maxValue")))
    if low is None and high is None:
        return None
    if low is not None and high is not None and high < low:
        low, high = high, low
    currency = salary.get("currency") or salary.get("currencyCode")
    currency = currency.strip().upper() if isinstance(currency, str) else None
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        currency = _SYMBOLS.get(currency)
    raw_period = salary.get("period") or salary.get("interval") or salary.get("unitText")
    period = normalize_period(raw_period)
    if period is None and raw_period is None:
        top = high if high is not None else low
        period = "year" if top >= _BOUNDS["year"][0] * _unit_factor(currency) else None
    return Pay(low, high, currency, period)
