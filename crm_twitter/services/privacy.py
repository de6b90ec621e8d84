"""The privacy guard: find a customer's private data in a text before the desk posts it publicly.

A public reply that repeats an order number, tracking number, e-mail, phone number, payment
reference, card number (or its last four digits) or street address exposes the customer (and
invites fraud), so compose refuses it and offers a DM instead. The same finder flags customers who
post their own details publicly. Each finding says *what* was found, *where* (span) and *why* it
is private, so the agent sees exactly which part to move to the DM.

Customers write in ten languages (en, zh, es, de, fr, ja, pt, ru, ko, ar), type full-width or
Arabic-Indic digits, and paste marketplace numbers in every shape (``112-3456789-1234567``,
``#A12345``, ``ES-80215``, ``№RU-55310``, ``20240702-0158``).

The guard must not cry wolf on ordinary text either: "order soon", dates (2026-11-28, 02/07/2024,
2024年7月2日), times (14:30), prices ($59.90, 1.299,00 €, R$ 149,90, 3 990 ₽), quantities and
durations (48 hours), product models (RTX 4090, Galaxy S24), hashtags, @handles (even @12345678),
URLs and our own case references pass. Those are *masked* (blanked with spaces, so offsets do not
move) before any detector runs.

It runs on every inbound message and on every keystroke of the composer, so each stage only runs
when the text has what it needs (a digit, an "@", seven digits for a phone…), and phone numbers are
validated with phonenumbers only on the few digit runs that look like one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException

from crm_twitter.conf import app_settings

try:  # What PhoneNumberMatcher's Leniency.VALID adds to is_valid_number: "06…" needs its "0" in France.
    from phonenumbers.phonenumbermatcher import _is_national_prefix_present_if_required
except ImportError:  # pragma: no cover - a future phonenumbers without the helper: accept valid numbers

    def _is_national_prefix_present_if_required(numobj: phonenumbers.PhoneNumber) -> bool:
        return True


@dataclass(frozen=True)
class PrivateDataFinding:
    # order_number, tracking_number, email, phone, payment_reference, card_number, card_last4, address
    kind: str
    text: str
    start: int
    end: int
    explanation: str


KIND_LABELS = {
    "order_number": "an order number",
    "tracking_number": "a tracking number",
    "email": "an e-mail address",
    "phone": "a phone number",
    "payment_reference": "a payment reference",
    "card_number": "a card number",
    "card_last4": "the last digits of a card",
    "address": "a street address",
}

_WHY = {
    "order_number": "an order number identifies the customer's purchase and lets anyone ask about it",
    "tracking_number": "a tracking number reveals where and to whom the parcel is delivered",
    "email": "an e-mail address is personal contact data",
    "phone": "a phone number is personal contact data",
    "payment_reference": "a payment reference identifies the customer's payment and can be misused for fraud",
    "card_number": "a payment card number must never be shared",
    "card_last4": "the last digits of a card help a fraudster pass as the customer with a bank or a shop",
    "address": "a street address says where the customer lives",
}


def _explain(kind: str, text: str) -> str:
    return f"“{text}” looks like {KIND_LABELS[kind]}: {_WHY[kind]}. Share it by DM only."


# Ranks decide which finding wins when two overlap (a 16-digit Luhn number is a card, not a tracking
# number; "order 40001234" is an order, not a Brazilian phone number; "090-1234-5678" is a phone,
# not a dashed order number).
_RANK = {
    "card_number": 0,
    "card_last4": 1,
    "email": 2,
    "payment_reference": 3,
    "address_shaped": 4,  # "Carrera 7 # 71-21", "102동 1504호", "а/я 123, 190000 …": not an order's "#" or digits
    "known_order": 5,
    "tracking_number": 6,
    "phone_formatted": 7,
    "order_number": 8,
    "phone": 9,
    "tracking_generic": 10,
    "address": 11,
}

# --- folding: one character in, one character out, so offsets stay those of the original text ---


def _fold_table() -> dict[int, str]:
    """Full-width ASCII (CJK keyboards), every script's decimal digits, odd spaces and dashes → ASCII."""
    table: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    for start in (0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0E50, 0x1040, 0xFF10):
        for cp in range(start, start + 10):
            table[cp] = str(unicodedata.decimal(chr(cp)))
    for cp in (0x00A0, 0x2007, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000):
        table[cp] = " "
    for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212, 0xFE63):
        table[cp] = "-"
    table.update({0xFFE5: "¥", 0xFFE1: "£", 0x066B: ".", 0x066C: ",", 0x066A: "%", 0x060C: ","})
    return table


_FOLD = _fold_table()


def _fold(text: str) -> str:
    return text if text.isascii() else text.translate(_FOLD)


# --- masks: parts of a text that look like data but are not private ----------------------------

_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]{1,15}://|www\.)\S+|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}/\S*",
    re.IGNORECASE,
)
# X handles are ASCII; the whole run is blanked even past 15 characters (@12345678901234567).
_HANDLE = re.compile(r"(?<![A-Za-z0-9_@.])@[A-Za-z0-9_]+")
# A hashtag has a letter in it; "#40001234" and "#A12345" are how customers write order numbers.
_HASHTAG = re.compile(
    r"(?<![\w&#])#(?![0-9]{4})(?![A-Z]{1,3}[0-9]{5,12}(?!\w))(?![A-Za-z0-9]{1,8}-[0-9])(?=\w{0,40}[^\W\d_])\w+"
)
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)[0-9]{2}"
# Prices and amounts: $59.90, 1.299,00 €, ¥3980, R$ 149,90, 3 990 ₽, 39,900원, 59.90 元, USD 12
_NUM = r"(?:[0-9]{1,3}(?:[.,' ][0-9]{3}){1,4}(?:[.,][0-9]{1,2})?|[0-9]{1,12}(?:[.,][0-9]{1,2})?)"
_CURRENCY_CODES = (
    r"USD|EUR|GBP|JPY|CNY|RMB|KRW|BRL|MXN|RUB|SAR|AED|EGP|CHF|CAD|AUD|INR|HKD|TWD|ARS|COP|CLP|PEN|VND|IDR|THB|"
    r"PHP|MYR|SGD|NZD|ZAR|TRY|PLN|SEK|NOK|DKK|CZK|HUF|ILS|UAH|KZT|QAR|KWD|BHD|OMR|JOD|MAD|DZD|TND|NGN|PKR"
)
_CUR_BEFORE = rf"(?:[A-Z]{{0,2}}\$|[€£¥₽₩₹₺₴₪฿₫₱]|(?:{_CURRENCY_CODES})(?![A-Za-z])|ر\.س\.?)"
_CUR_AFTER = (
    rf"(?:[€$£¥₽₩₹₺₴₪฿₫₱元円块塊원]|(?:{_CURRENCY_CODES}|euros?|dollars?|bucks|yen|yuan|reais|real|pesos?|"
    r"francs?|won|rupees?|dirhams?|riyals?|pounds?|rubles?|руб(?:л[а-я]*)?\.?|р\.|грн|тенге|ريال|درهم|جنيه|دينار|"
    r"ليرة|دولار|يورو|ر\.س|د\.إ|ج\.م)"
    r"(?![A-Za-z]))"
)
# Quantities and durations: 48 hours, 5-7 business days, 30 días, 3日, 48時間, 3일, 10000mAh, 100%
_UNITS = (
    r"%|percent|sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|h|days?|business\s+days|working\s+days|weeks?|wks?|"
    r"months?|years?|yrs?|items?|pcs|pieces?|units?|packs?|boxes|times|x|kg|g|grams?|lbs?|oz|ml|l|"
    r"lit(?:er|re)s?|cm|mm|m|km|inch(?:es)?|ft|gb|tb|mb|mah|(?-i:w|W(?!\s[A-Z]))|v|hz|mp|k|fps|followers|likes|points|pts|"
    r"stars|orders|"
    r"d[íi]as|horas?|semanas?|meses|mes|años|anos|minutos?|segundos?|unidades?|art[íi]culos?|artigos?|"
    r"piezas?|peças?|veces|vezes|"
    r"tagen?|tag|stunden?|std\.?|wochen?|monaten?|monat|jahren?|minuten?|stück|stk\.?|artikel|mal|"
    r"jours?|heures?|semaines?|mois|ans|années?|articles?|pièces?|fois|"
    r"дн(?:ей|я|ь)|день|час(?:ов|а)?|недел[ьиюе]|месяц(?:ев|а)?|минут[ы]?|лет|года?|шт\.?|штук[и]?|раз[а]?|"
    r"сут(?:ок|ки)|"
    r"أيام|ايام|يوما?|ساعة|ساعات|أسابيع|أسبوع|شهر|أشهر|دقيقة|دقائق|قطعة|قطع|مرات|"
    r"日間|天|日|个月|個月|か月|ヶ月|カ月|周|週間|週|星期|小时|小時|時間|分钟|分鐘|秒|件|个|個|点|台|枚|次|回|"
    r"개월|시간|일|분|초|주|달|개|건|회|대|장"
)
# What a number starts, read from its first digit: an IP address, a date or a time, an amount with its
# currency after it, a quantity with its unit. Matched only at the start of a digit run.
_NUMBER_LED = re.compile(
    r"(?<![0-9])(?:"
    # 192.168.1.100 (but not 030.123.45.67, a phone number)
    r"(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}[0-9]{1,3}(?![0-9.])"
    # 2024-07-02, 2024/7/2, 2024.07.02
    rf"|{_YEAR}([-/.]){_MONTH}\1{_DAY}(?![0-9]|[-/.][0-9])"
    # 02/07/2024, 7/2/24, 28.11.2026 — not "06.12.34.56.78", a French phone number
    rf"|{_DAY}([-/.]){_DAY}\2(?:19|20)?[0-9]{{2}}(?![0-9]|[-/.][0-9])"
    # 28/11, 24/7 (no year)
    rf"|{_DAY}/{_MONTH}(?![0-9]|[-/.][0-9])"
    # 2024年7月2日, 7月2日, 2024년 7월 2일, 2024年
    rf"|(?:{_YEAR}\s?[年년]\s?)?{_MONTH}\s?[月월]\s?(?:{_DAY}\s?[日일号號])?|{_YEAR}\s?[年년]"
    # 14:30, 9:05:00, 2:30 pm, 14h30, 14.30 Uhr, 14時30分, 2시 30분
    r"|(?:[01]?[0-9]|2[0-3])(?::[0-5][0-9]){1,2}(?:\s?[ap]\.?m\b\.?)?(?![0-9:])"
    r"|(?:[01]?[0-9]|2[0-3])h[0-5][0-9](?![0-9])|(?:[01]?[0-9]|2[0-3])\.[0-5][0-9]\s?Uhr"
    r"|[0-9]{1,2}\s?[時时시]\s?(?:[0-9]{1,2}\s?[分분])?"
    # 59,90 €, 3 990 ₽, 1299 руб., 39,900원, 10000-15000 yen
    rf"|(?<![0-9.,]){_NUM}(?:\s?[-~]\s?{_NUM})?\s?{_CUR_AFTER}"
    # 48 hours, 5-7 business days, 3〜5営業日 (a unit right after), 100000 points
    r"|(?<![0-9.,])(?:[0-9]{1,3}(?:[,. ][0-9]{3}){1,3}|[0-9]{1,5}(?:[.,][0-9]{1,3})?)"
    r"(?:\s?(?:-|~|〜|to|a|à|bis|до|al)\s?[0-9]{1,5}(?:[.,][0-9]+)?)?"
    rf"\s?(?:営業)?(?:{_UNITS})(?![A-Za-z0-9À-ɏ])"  # not "50452 Köln", a postcode and its town
    r"|(?<![0-9.,])[0-9]{6,9}\s?(?:followers|likes|views|subscribers|retweets|reviews|points|pts|steps|miles)\b"
    r")",
    re.IGNORECASE,
)
# What announces a number that is not private, right before its first digit: a currency ($59.90,
# R$ 149,90, USD 12), a product line (iPhone 15 Pro, RTX 4090, Galaxy S24) or a size (size 42, EU 38).
_NUMBER_PREFIX = re.compile(
    rf"(?P<currency>{_CUR_BEFORE})\s?$"
    r"|(?P<product>(?<![A-Za-z0-9])(?:iPhone|iPad|iMac|MacBook(?:\s(?:Air|Pro))?|AirPods|"
    r"Galaxy(?:\s(?:Tab|Watch|Buds|Note))?|Pixel|Xperia|Redmi(?:\sNote)?|Xiaomi|POCO|OnePlus|Huawei|Honor|Mate|"
    r"Surface|ThinkPad|IdeaPad|Xbox|PS|PlayStation|GeForce|RTX|GTX|RX|Radeon|Ryzen|Core|Series|Model|Gen|Version|"
    r"Windows|Android|iOS|macOS)[\s-]?[A-Z]{0,2})$"
    r"|(?P<size>(?:size|talla|taille|taglia|gr(?:ö|oe)(?:ß|ss)e|gr\.|tamanho|tam\.|размер|サイズ|尺码|尺碼|码|사이즈|"
    r"مقاس|(?-i:EU|US|UK|JP|CN|BR|FR|IT))\s?:?\s?)$",
    re.IGNORECASE,
)
_PREFIXED_NUMBER = {
    "currency": re.compile(rf"{_NUM}(?:\s?[-~]\s?{_NUM})?"),
    "product": re.compile(r"[0-9]{1,5}[A-Za-z]{0,4}(?:\s?(?:Pro|Max|Plus|Ultra|Mini|Lite|Ti|Super|XTX|XT|SE|FE|5G))*"),
    # not "FR76 3000 6000 …", an IBAN's first group
    "size": re.compile(r"[0-9]{1,3}(?:[.,][05])?(?:/[0-9]{1,3})?(?![0-9])(?! [0-9A-Z]{4})"),
}
_DIGIT_RUN = re.compile(r"[0-9]+")


@lru_cache(maxsize=16)
def _case_reference_pattern(prefix: str) -> re.Pattern[str] | None:
    """The desk's own references, as ``cases._reference`` builds them: CS-<year>-<id, 6+ digits>[-2]."""
    if not prefix:
        return None
    return re.compile(
        rf"(?<![A-Za-z0-9]){re.escape(prefix)}-[0-9]{{4}}-[0-9]{{4,}}(?:-[0-9]{{1,3}})?(?![0-9])", re.IGNORECASE
    )


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _mask(text: str) -> str:
    """Blank out what is never private: URLs, handles, hashtags, case references, dates, prices…

    Blanking (not deleting) keeps every offset, and keeps two numbers either side of a mask apart.
    """
    if "/" in text or "www." in text or "WWW." in text:
        text = _URL.sub(_blank, text)
    if "@" in text:
        text = _HANDLE.sub(_blank, text)
    if "#" in text:
        text = _HASHTAG.sub(_blank, text)
    if "-" in text:
        reference = _case_reference_pattern(str(app_settings.CASE_REFERENCE_PREFIX or ""))
        if reference is not None:
            text = reference.sub(_blank, text)
    return _mask_numbers(text)


def _mask_numbers(text: str) -> str:
    """Blank dates, times, amounts, quantities, product models and sizes.

    One pass over the digit runs: each pattern is tried where a number starts (or, for "$", "iPhone",
    "size", just before it) instead of scanning the whole text once per pattern — this runs on every
    keystroke of the composer.
    """
    spans: list[tuple[int, int]] = []
    masked_to = 0
    for run in _DIGIT_RUN.finditer(text):
        start = run.start()
        if start < masked_to:
            continue
        led = _NUMBER_LED.match(text, start)
        if led:
            spans.append((start, led.end()))
            masked_to = led.end()
            continue
        prefix = _NUMBER_PREFIX.search(text, max(0, start - 24, masked_to), start)
        if prefix:
            number = _PREFIXED_NUMBER[prefix.lastgroup or "currency"].match(text, start)
            if number:
                spans.append((prefix.start(), number.end()))
                masked_to = number.end()
    if not spans:
        return text
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces += [text[last:start], " " * (end - start)]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


# --- words around numbers, in the ten languages -------------------------------------------------

_ORDER_WORDS = (
    r"(?<![A-Za-z])(?:orders?|ordered|ord\.|purchase|pedidos?|orden|encomendas?|compra|commandes?|cde|"
    r"bestell\w{0,12}|auftrag\w{0,12}|заказ\w{0,4}|订单|訂單|注文|オーダー|受注|주문|오더|طلب\w{0,4}|الطلب\w{0,4}|أوردر|اوردر)"
)
_TRACKING_WORDS = (
    r"(?<![A-Za-z])(?:tracking|track|trace|trk|awb|waybill|(?:usps|ups|dhl|gls|dpd|ems)(?![a-z])|fedex|hermes|"
    r"correos|correios|"
    r"colissimo|chronopost|la\s+poste|royal\s+mail|aramex|smsa|jadlog|сдэк|почта|顺丰|中通|圆通|韵达|申通|"
    r"ヤマト|佐川|日本郵便|대한통운|한진택배|로젠|우체국|consignment|shipment|parcel\s+(?:no|number|id)|"
    r"seguimiento|rastreo|rastreio|rastreamento|c[óo]digo\s+de\s+(?:rastreio|envio)|sendung\w{0,12}|paketnummer|"
    r"trackingnummer|suivi|colis|трек\w{0,8}|отслеживани\w{0,3}|посылк\w{0,3}|"
    r"运单|運單|快递单|快遞單|物流单|物流單|快递|快遞|单号|單號|追跡|問い合わせ番号|伝票|송장|운송장|배송\s?조회|تتبع|التتبع|الشحنة|شحنة|بوليصة)"
)
_PHONE_WORDS = (
    r"(?<![A-Za-z])(?:phone|tel(?![a-z])|t[ée]l(?![a-z])|telephone|call|mobile|cell|whats\s?app|sms|text\s+me|"
    r"tel[ée]fono|m[óo]vil|celular|llam\w{0,6}|telefon\w{0,6}|handy|mobil\w{0,6}|ruf|anruf\w{0,6}|t[ée]l[ée]phone|"
    r"portable|appel\w{0,6}|ligue|liga|телефон\w{0,4}|тел(?![а-я])|звон\w{0,6}|мобильн\w{0,4}|вотсап|"
    r"电话|電話|手机|手機|致电|拨打|联系方式|携帯|ケータイ|전화|휴대폰|핸드폰|연락처|"
    r"هاتف|الهاتف|جوال|الجوال|موبايل|اتصل\w{0,4}|واتساب)"
)
_PAYMENT_WORDS = (
    r"transaction|trans\.|txn|payment|paypal|receipt|invoice|ref(?:erence)?|"
    # payment providers and bank transfers, whose own ids customers paste: "Klarna reference …",
    # "ARN 745…" (the bank's acquirer reference for a refund), "IBAN …", "SPEI …", "chave pix …"
    r"klarna|alipay|wechat\s?pay|stripe|venmo|zelle|afterpay|clearpay|arn|iban|bank\s+transfer|wire\s+transfer|"
    r"交易|流水|支付|付款|发票|转账|轉賬|"  # zh
    r"transacci[oó]n|pago|referencia|recibo|factura|operaci[oó]n|transferencia|spei|bizum|"  # es
    r"transaktion|zahlung|referenz|rechnung|[üu]berweisung|verwendungszweck|"  # de
    r"paiement|r[ée]f[ée]rence|re[çc]u|facture|virement|rib|"  # fr
    r"取引|決済|支払い?|請求書|振込|振り込み|"  # ja
    r"pagamento|transa[çc][ãa]o|comprovante|fatura|(?:chave\s+)?pix|"  # pt
    r"платеж\w{0,4}|платёж\w{0,4}|транзакци\w{0,4}|квитанци\w{0,4}|операци[ийя]|перевод\w{0,2}|сбп|"  # ru
    r"결제|거래|영수증|승인번호|이체|"  # ko
    r"الدفع|دفع|المعاملة|معاملة|إيصال|ايصال|فاتورة|"  # ar
    r"العملية|عملية|الحوالة|حوالة|التحويل|الآيبان|الايبان|آيبان|ايبان"
)
_CARD_WORDS = (
    r"(?<![A-Za-z])(?:card|visa|master\s?card|amex|american\s+express|maestro|discover|tarjeta|cart[ãa]o|"
    r"[A-Za-zäöüÄÖÜ-]{0,12}karte|girocard|carte|cb(?![a-z])|карт[а-я]{0,3}|卡|カード|クレカ|クレジット|카드|"
    r"بطاقة|البطاقة|بطاقتي|بطاقه|الكارت|كارت)"
)
# Numbers that are neither private nor an order: postal codes, product codes (SKU 12345678, 型番 …).
_OTHER_WORDS = (
    r"(?<![A-Za-z])(?:zip(?:\s?code)?|post\s?code|postal\s+code|c[óo]digo\s+postal|cep|plz|code\s+postal|"
    r"индекс|邮编|郵便番号|〒|우편번호|الرمز\s+البريدي|sku|asin|ean|upc|isbn|imei|model(?:o|e|l)?|modèle|"
    r"art(?:ikel)?[-.]?\s?nr|型番|型号|型號|品番|모델|موديل)"
)
_CONTEXT = re.compile(
    rf"(?P<order>{_ORDER_WORDS})|(?P<track>{_TRACKING_WORDS})|(?P<phone>{_PHONE_WORDS})"
    rf"|(?P<pay>(?<![A-Za-z])(?:{_PAYMENT_WORDS})(?![a-z]))|(?P<card>{_CARD_WORDS})|(?P<other>{_OTHER_WORDS})",
    re.IGNORECASE,
)
# "#40001234", "№ 40001234", "No. 40001234", "Nr.: 40001234", "n° 40001234" right before a number.
_SIGN = re.compile(r"(?:[#№]|(?<![A-Za-z])(?:no|nr|n[º°o])\.?)\s?[:.]?\s?$", re.IGNORECASE)
_LAST_BREAK = re.compile(r"[0-9\n][^0-9\n]*$")
# What may stand between an order word and a short number: "order 4567", "order number is 4567",
# "pedido nº 4567", "注文番号は 4567", "주문번호: 4567" — not "ordered a Dell XPS 9530".
_NUMBER_GLUE = re.compile(
    r"(?:[\s:：#№.,()-]|number|num[eé]ro|nummer|n[º°o]|nr|no|id|is|es|est|ist|é|номер|это|番号|号|號|编号|編號|は|"
    r"번호|넘버|ナンバー|号码|號碼|는|은|رقم|هو)*",
    re.IGNORECASE,
)


def _context(text: str, start: int, reach: int = 44) -> tuple[str | None, bool, str]:
    """The nearest kind word before ``start`` (order, track, phone, pay, card, other), whether a sign
    ("#", "№", "No.") touches the number, and the text between that word and the number. Context does
    not reach past another number or a line break."""
    window = text[max(0, start - reach) : start]
    cut = _LAST_BREAK.search(window)
    if cut:
        window = window[cut.start() + 1 :]
    signed = bool(_SIGN.search(window[-6:]))
    kind, glue = None, window
    for match in _CONTEXT.finditer(window):
        kind, glue = match.lastgroup, window[match.end() :]
    return kind, signed, glue


# --- detectors ---------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w-])")

_CARD = re.compile(r"(?<![\d+-])(?<!\+ )(?:\d[ -]?){12,18}\d(?![\d-])")
# How card numbers are grouped when they are grouped at all: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners).
_CARD_GROUPS = re.compile(r"4+[1-4]?|46[45]")

# PayPal transaction ids: 17 upper-case letters and digits (mixed); PayPal order ids "PAYID-…";
# Stripe-style ids; and any id-like token right after a payment word.
_PAYPAL_TXN = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Z0-9]{17}(?![A-Za-z0-9]))(?=[A-Z0-9]{0,16}\d)(?=[A-Z0-9]{0,16}[A-Z])[A-Z0-9]{17}"
)
_PAYID = re.compile(r"\bPAYID-[A-Z0-9-]{6,40}\b")
_STRIPE = re.compile(r"\b(?:pi|ch|txn|py|re|in)_[A-Za-z0-9]{10,40}\b")
# An IBAN, spaced in fours or not (DE89 3704 0044 0532 0130 00); kept only when its mod-97 check holds,
# cut to its country's length, so a product code or an order number never passes for one.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}", re.IGNORECASE)
_IBAN_LENGTHS = {
    **dict.fromkeys(("NO",), 15), **dict.fromkeys(("BE",), 16), **dict.fromkeys(("DK", "FI", "NL"), 18),
    **dict.fromkeys(("AT", "EE", "KZ", "LU"), 20), **dict.fromkeys(("CH", "LI", "LV", "HR"), 21),
    **dict.fromkeys(("DE", "GB", "IE", "BH", "GE", "ME", "RS"), 22), **dict.fromkeys(("AE", "TL", "IL"), 23),
    **dict.fromkeys(("ES", "SA", "CZ", "SE", "SK", "TN", "RO", "MD"), 24), **dict.fromkeys(("PT",), 25),
    **dict.fromkeys(("IS", "TR"), 26), **dict.fromkeys(("FR", "IT", "MC", "SM", "GR", "MR"), 27),
    **dict.fromkeys(("PL", "HU", "CY", "LB", "AL", "DO"), 28), **dict.fromkeys(("BR", "EG", "QA", "UA", "JO"), 29),
    **dict.fromkeys(("KW", "MU"), 30), **dict.fromkeys(("MT",), 31), **dict.fromkeys(("RU",), 33),
}  # fmt: skip
# Trade numbers Chinese wallets print on every receipt, pasted without a word: Alipay's 28 digits start
# with the date (2026031422001412345678901234), WeChat Pay's with 4 and carry the date from the 11th
# digit (4200001988202603145512345678).
_WALLET_TRADE_NO = re.compile(
    r"(?<![0-9A-Za-z])(?:20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{20}|"
    r"4[0-9]{9}20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{10})(?![0-9A-Za-z])"
)
# A Pix end-to-end id (Brazil): E or D, the bank's 8-digit ISPB, yyyyMMddHHmm, 11 letters or digits.
_PIX_E2E = re.compile(
    r"(?<![A-Za-z0-9])[ED][0-9]{8}20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{4}[A-Za-z0-9]{11}"
    r"(?![A-Za-z0-9])"
)
# The first letters of the payment words: scanning only where one stands keeps this pattern, run on
# every message with a digit, as cheap as when it had half the words (a test checks the list).
_PAYMENT_FIRST = "tprikawszvcbofuüTPRIKAWSZVCBOFUÜптксоПТКСО交流支付发转轉取決請振결거영승이اإآدمفعح"
_PAYMENT_CONTEXT = re.compile(
    rf"(?=[{_PAYMENT_FIRST}])(?<![A-Za-z])(?:{_PAYMENT_WORDS})\s*(?:id|no\.?|number|nr\.?|n[º°]|#|单?号|の?(?:受付)?番号|编号|번호|№|رقم)?\s*[:：#]?\s*"
    r"(?P<ref>(?=[A-Za-z0-9-]{0,40}\d)[A-Za-z0-9][A-Za-z0-9-]{7,40})",
    re.IGNORECASE,
)

# Any run of letters and digits joined by single dashes, with a digit in its first nine characters:
# 40001234, 112-3456789-1234567, A12345, ES-80215, 20240702-0158, SF1234567890123, RTX4090.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z-]{0,8}[0-9])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_DIGITS_ONLY = re.compile(r"[0-9]+")
_DASHED = re.compile(r"[0-9]+(?:-[0-9]+)+")
_PREFIXED = re.compile(r"(?P<letters>[A-Za-z]{1,5})(?P<dash>-?)(?P<rest>[0-9]+(?:-[0-9]+)*)")
_MARKETPLACE = re.compile(r"(?:[0-9]{3}|[A-Z][0-9]{2})-[0-9]{7}-[0-9]{7}")
_SPLIT_TAIL = re.compile(r"(?: [0-9]{2,6}){1,5}(?![0-9A-Za-z])")
# Prefixes of product lines, standards and tickets, which are not anybody's order: RTX-4090, ISO-9001.
_NOT_A_STORE = frozenset(
    {
        *("RTX", "GTX", "GT", "RX", "HD", "UHD", "ISO", "EN", "IEC", "DIN", "MIL", "USB", "HDMI", "DDR", "LPDDR"),
        *("GDDR", "PCIE", "SSD", "NVME", "RAM", "COVID", "SARS", "UTC", "GMT", "PS", "WH", "SM", "KB", "BUG", "CVE"),
        *("FY", "Q", "SKU", "ASIN", "EAN", "UPC", "ISBN", "ART", "ITEM", "MODEL", "VER", "V", "IP", "TV"),
    }
)

# Mobile numbers written without spaces, in shapes no order numbering uses: 13812345678 (CN),
# 09012345678 (JP), 01012345678 (KR), 07700900123 (GB), 0612345678 (FR), 015112345678 (DE),
# 89123456789 (RU), 0501234567 (SA/AE), 01012345678 (EG).
_MOBILE_BARE = re.compile(
    r"(?<![A-Za-z0-9_-])(?:1[3-9][0-9]{9}|0[789]0[0-9]{8}|01[016789][0-9]{7,8}|07[0-9]{9}|0[67][0-9]{8}|"
    r"01[567][0-9]{8,9}|[78]9[0-9]{9}|05[0-9]{8})(?![A-Za-z0-9_-])"
)
# A digit run that may be a phone number: groups of digits with spaces, dots, dashes, slashes or
# parentheses between them (at most three in a row, so a masked stretch is never crossed).
_PHONE_CANDIDATE = re.compile(r"(?<![A-Za-z0-9_+])(?:\+ ?)?\(?[0-9]+(?:[ .\-/()]{1,3}[0-9]+){0,7}")
# Fallback for numbers phonenumbers does not know: "+" and 8–15 digits, or a phone word before
# a separated run of digits.
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d[\d .()-]{6,18}\d(?!\d)")
_PHONE_LOCAL = re.compile(r"(?<![\w-])\(?\d[\d .()-]{6,16}\d(?![\w-])")
_PHONE_WORD_BEFORE = re.compile(rf"{_PHONE_WORDS}[^0-9\n]{{0,14}}$", re.IGNORECASE)
_PHONE_CANDIDATES_PER_TEXT = 32
_PHONE_REGIONS = (
    "US", "GB", "DE", "FR", "ES", "MX", "CN", "JP", "IN", "BR", "IT", "AU", "CA", "KR", "RU", "PT", "SA", "AE",
    "EG", "TW",
)  # fmt: skip

# The last four digits of a card, announced by card words, ending words or a masked card number.
_CARD_ENDING = (
    r"(?<![A-Za-z])(?:end(?:s|ing|ed)?|ends?\s+(?:in|with)|"  # en
    r"termina(?:da|do)?\s+en|acaba(?:da|do)?\s+en|finaliza(?:da|do)?\s+en|terminaci[oó]n|"  # es
    r"final|terminad[oa]\s+em|termina\s+(?:em|com)|"  # pt
    r"endet|endend|endung|endziffern?|endnummer|"  # de
    r"termin(?:ant|e|ée)\s+par|finissant\s+par|finit\s+par|"  # fr
    r"заканчива\w{0,4}|оканчива\w{0,4}|окончани\w{0,3}|на\s+конце|"  # ru
    r"المنتهية|منتهية|تنتهي|ينتهي)"  # ar
)
_CARD_LAST_DIGITS = (  # self-sufficient: "the last four digits" is always a card (or an account)
    r"(?<![A-Za-z])last\s+(?:4|four)(?:\s+digits?|\s+numbers?)?|"
    r"[úu]ltim[oa]s\s+(?:4|cuatro|quatro)\s+(?:d[íi]gitos|n[úu]meros|cifras)|"
    r"letzten\s+(?:4|vier)\s+(?:ziffern|stellen)|"
    r"(?:4|quatre)\s+derniers\s+(?:chiffres|num[ée]ros)|"
    r"последни[ех]\s+(?:4|четыре)\s+цифр\w{0,2}|"
    r"(?:آخر|اخر)\s+(?:4|أربعة|اربعة|اربع|أربع)\s+(?:أرقام|ارقام|خانات)"
)
_CARD_TAIL = (
    r"尾号|尾號|尾数|尾數|末四位|后四位|後四位|末尾|下4桁|下四桁|下\s?4\s?桁|"
    r"끝자리|끝\s?번호|끝\s?4자리|뒷자리|뒤\s?4자리|뒷번호|마지막\s?4자리"
)
# What may announce the last four digits, searched just before each run of exactly four digits.
_LAST4_CONTEXT = re.compile(
    rf"(?P<self>{_CARD_LAST_DIGITS})|(?P<tail>{_CARD_TAIL})|(?P<card>{_CARD_WORDS})|(?P<end>{_CARD_ENDING})",
    re.IGNORECASE,
)
# "1234로 끝나는 카드", "1234で終わるカード", "1234结尾的卡": the card word comes after the digits.
_LAST4_AFTER = re.compile(r"\s?(?:로|으로|で|结尾|結尾)\s?(?:끝나는|終わる|的)\s?(?:카드|カード|卡|银行卡|信用卡)")
_NEXT_GROUP = re.compile(r"[ -]?[0-9]")
_GAP_BREAK = re.compile(r"[0-9\n]")
_CARD_GAP_ENDING = re.compile(rf"{_CARD_ENDING}|{_CARD_TAIL}|{_CARD_LAST_DIGITS}|[*xX•●·.…_]{{2,}}", re.IGNORECASE)
_CARD_GAP_SHORT = re.compile(r"[\s:：#№*xX•●·.…_-]{0,24}")
_CARD_WORD = re.compile(_CARD_WORDS, re.IGNORECASE)
_ENDING_AFTER = re.compile(
    r"\s?(?:endet|enden|termina|terminan|acaba|finit|se\s+termine|заканчивается|оканчивается)(?![a-z])", re.IGNORECASE
)
_NOT_CARD_TAIL = re.compile(
    r"(?:手机|手機|电话|電話|号码|號碼|携帯|ケータイ|휴대폰|핸드폰|전화|订单|訂單|注文|주문|运单|快递|追跡|송장)[^0-9\n]{0,6}$"
)
_MASKED_CARD = re.compile(r"(?<![A-Za-z0-9])(?:(?:[*•●·]{2,}+|[xX]{4})[ -]?){1,4}+(?P<digits>[0-9]{4})(?![0-9])")

_DIGIT = r"[0-9０-９]"
_EN_STREET = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Highway|Hwy|"
    r"Parkway|Pkwy|Square|Sq|Crescent|Close"
)
# Words that announce an address in English, so a lower-case one counts: "my address is 14 maple street",
# "it got left at 88 baker st".
_EN_ADDRESS_CUE = (
    r"address(?:\s+is)?|addr|ship(?:ped)?\s+(?:it\s+)?to|deliver(?:ed)?\s+(?:it\s+)?to|(?:re)?sen[dt]\s+(?:it\s+)?to|"
    r"live[sd]?\s+(?:at|on)|left\s+(?:it\s+)?at|dropped\s+(?:it\s+)?(?:off\s+)?at"
)
_ES_PT_STREET = (
    r"Calle|C/|Avenida|Avda\.?|Av\.|Paseo|Plaza|Pza\.|Carrera|Camino|Ronda|Travesía|Carretera|Calzada|Pasaje|Jirón|"
    r"Rua|R\.|Travessa|Alameda|Praça|Estrada|Rodovia|Largo|Beco"
)
_FR_STREET = r"rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours"
_RU_STREET = (
    r"ул\.|улица|пр-кт|пр-т|пр\.|проспект|пер\.|переулок|ш\.|шоссе|б-р|бульвар|наб\.|набережная|проезд|пл\.|площадь"
)
_POSTCODE_CITY = r"(?:\s*,?\s*\d{4,6}(?:-\d{3})?\s+[^\W\d_][\w'-]*+)?"  # ", 190000 Санкт-Петербург"
# Named by what they find: (script the pattern needs, pattern, rank key). A pattern with an "addr" group
# reports only that group (the words before it only announce it). "address_shaped" outranks an order
# number in the same span: "Carrera 7 # 71-21" is a Colombian address, not order #71-21.
_ADDRESS_PATTERNS: dict[str, tuple[str, re.Pattern[str], str]] = {
    # en: 221B Baker Street, 1600 Pennsylvania Ave NW, 12 High St., 350 5th Ave, 1200 W Lakeshore Dr
    "en_street": (
        "",
        re.compile(
            r"(?<![\w.,])\d{1,5}[A-Za-z]?,?\s+(?:(?:[A-Z][\w'.-]*+|[0-9]{1,3}(?:st|nd|rd|th))\s{1,3}){1,4}"
            rf"(?:{_EN_STREET})\b\.?"
        ),
        "address",
    ),
    # en, written in lower case after a word that announces it: "left at 88 baker st"
    "en_announced": (
        "",
        re.compile(
            rf"(?<![A-Za-z])(?:{_EN_ADDRESS_CUE})\s*:?\s*(?P<addr>\d{{1,5}}[a-z]?,?\s+(?:[a-z0-9][\w'.-]*+\s{{1,3}}){{1,3}}"
            rf"(?:{_EN_STREET})\b\.?)",
            re.IGNORECASE,
        ),
        "address",
    ),
    # PO boxes, with the postcode and town that follow: PO Box 4417, Postfach 10 12 34, Apartado de correos 123,
    # Caixa Postal 1234, а/я 123, 190000 Санкт-Петербург; BP 123, 97200 Fort-de-France
    "po_box": (
        "",
        re.compile(
            r"(?:(?<![A-Za-z])(?i:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box|Postfach|Apartado(?:\s+de\s+correos|\s+postal)?|"
            r"Caixa\s+Postal|Bo[iî]te\s+postale)|(?<![А-Яа-яЁё])(?:а/я|абонентский\s+ящик))\s*:?\s*[0-9]{1,6}(?:\s[0-9]{2,3}){0,3}"
            rf"{_POSTCODE_CITY}"
            r"|(?<![A-Za-z])BP\s?[0-9]{1,5}\s*,?\s*[0-9]{5}\s+[A-Z][\w'-]*+"
        ),
        "address_shaped",
    ),
    # Colombian and other grid addresses: Carrera 7 # 71-21, Calle 93 # 11-27, Cra. 15 No. 88-64
    "grid_street": (
        "",
        re.compile(
            r"(?<![A-Za-z])(?i:Calle|Cll?\.|Carrera|Cra\.?|Kra\.?|Avenida|Av\.|Diagonal|Dg\.|Transversal|Tv\.)\s*[0-9]{1,3}"
            r"\s?[A-Za-z]?(?:\s?bis)?\s*(?:#|No\.?|N[º°])\s*[0-9]{1,3}\s?[A-Za-z]?\s*-\s*[0-9]{1,3}"
        ),
        "address_shaped",
    ),
    # zh: 上海市浦东新区世纪大道100号, 北京市朝阳区建国路 88 号, 人民南路四段11号, 高新南七道018号
    "zh_road": (
        "zh",
        re.compile(
            rf"[\u4e00-\u9fff]{{1,20}}(?:路|街|大道|大街|巷|弄|胡同|道)(?:[一二三四五六七八九十]{{1,3}}段)?\s*{_DIGIT}{{1,5}}\s*(?:号|號)"
        ),
        "address",
    ),
    # zh: a building, its entrance and flat: 5号楼3单元402, 3栋2单元501室
    "zh_building": (
        "zh",
        re.compile(
            rf"{_DIGIT}{{1,4}}\s*(?:号楼|號樓|栋|棟|幢)\s*(?:{_DIGIT}{{1,3}}\s*单元\s*)?{_DIGIT}{{1,5}}\s*(?:室|号|號)?"
        ),
        "address",
    ),
    # ja: 東京都渋谷区神南1丁目2番3号, 大阪市北区梅田3-1-1 (needs 丁目/番地/番…号)
    "ja_chome": (
        "zh",
        re.compile(
            rf"[\u4e00-\u9fff\u3040-\u30ff]{{0,20}}(?:{_DIGIT}{{1,4}}|[一二三四五六七八九十]{{1,3}})\s*丁目"
            rf"(?:\s*{_DIGIT}{{1,5}}\s*(?:番地?|[-－]))?(?:\s*{_DIGIT}{{1,5}}\s*号?)?"
        ),
        "address",
    ),
    "ja_banchi": (
        "zh",
        re.compile(rf"[\u4e00-\u9fff\u3040-\u30ff]{{0,20}}{_DIGIT}{{1,5}}\s*番地(?:\s*{_DIGIT}{{1,5}})?"),
        "address",
    ),
    "ja_ban_go": (
        "zh",
        re.compile(rf"[\u4e00-\u9fff\u3040-\u30ff]{{0,20}}{_DIGIT}{{1,5}}\s*番\s*{_DIGIT}{{1,5}}\s*号"),
        "address",
    ),
    # ja, the way addresses are usually typed: a town after its prefecture, city or ward, then chōme-ban-gō
    # with dashes (渋谷区神南1-2-3, 北区梅田3-1-1, 中区山下町2-5)
    "ja_dashed": (
        "zh",
        re.compile(
            rf"[都道府県市区町村郡][\u4e00-\u9fff\u3040-\u30ff]{{1,10}}{_DIGIT}{{1,4}}\s?[-－‐ー−]\s?{_DIGIT}{{1,4}}"
            rf"(?:\s?[-－‐ー−]\s?{_DIGIT}{{1,4}})?"
        ),
        "address",
    ),
    # es / pt: Calle Mayor 12, Avenida de la Constitución, 45; C/ Alcalá 100; Rua Augusta, 1500; Largo do Carmo 12
    "es_pt_street": (
        "",
        re.compile(
            rf"\b(?:{_ES_PT_STREET})\s*"
            r"(?:(?:de|del|la|las|los|el|y|da|do|das|dos|e)\s{1,3}|[A-ZÁÉÍÓÚÑÂÊÔÃÕÇ][\wáéíóúñüâêôãõç'.-]*+\s{0,3}){1,6},?\s*"
            r"(?:n[º°o]\.?\s*)?\d{1,5}\b",
        ),
        "address",
    ),
    # es / pt in lower case, with a full street word: "calle mayor 5", "rua xv de novembro 300"
    "es_pt_lower_case": (
        "",
        re.compile(
            r"(?<![\w/])(?:calle|avenida|paseo|carrera|rua|travessa|alameda|pra[çc]a|estrada|largo)\s+"
            r"(?:[^\W\d_][\w'.-]*+\s{1,3}){1,5}(?:n[º°o]\.?\s*)?\d{1,5}(?![0-9]|[/.,:-][0-9])"
        ),
        "address",
    ),
    # de: Hauptstraße 5, Berliner Str. 12a, Am Lindenweg 3, Karl-Marx-Allee 34, hauptstraße 17
    "de_street": (
        "",
        re.compile(
            r"\b[A-ZÄÖÜ][\wäöüß-]{2,}(?i:straße|strasse|str\.|weg|allee|platz|gasse|damm|(?<![ei])ring|ufer)\s*"
            r"(?!(?:19|20)[0-9]{2}(?![0-9]))\d{1,4}(?![0-9])(?:\s?[a-z](?![a-zäöüß]))?"
            r"|\b[a-zäöü][\wäöüß-]{2,}(?:straße|strasse)\s*\d{1,4}(?![0-9])"
        ),
        "address",
    ),
    "de_street_spaced": (
        "",
        re.compile(r"\b[A-ZÄÖÜ][\wäöüß-]*\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse)\s*\d{1,4}\s?[a-z]?\b"),
        "address",
    ),
    # de: any street name with its number, then a postcode and a town: Unter den Linden 77, 10117 Berlin;
    # An der Alster 12 / 20099 Hamburg (on the next line)
    "de_street_postcode": (
        "",
        re.compile(
            r"(?<![\w-])(?:[A-ZÄÖÜ][\wäöüß.-]*+\s{1,3}(?:(?:den|der|dem|am|an|im|zum|zur|von|vom|auf|in)\s{1,3})?){1,3}"
            r"\d{1,4}\s?[a-z]?\s*,?\s*[0-9]{5}\s+[A-ZÄÖÜ][a-zäöüß]+"
        ),
        "address",
    ),
    # fr: 12 rue de la Paix, 5 bis avenue Victor Hugo, 3, boulevard Haussmann
    "fr_street": (
        "",
        re.compile(
            rf"(?<![\w.,])\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?:{_FR_STREET})\s+"
            r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])?[A-ZÀ-Ý][\w'’-]*",
            re.IGNORECASE,
        ),
        "address",
    ),
    # fr, the rarer kinds of street (lower case, as French writes them, and a capitalised name):
    # 15 bis square Montholon, 22 cité Riverin, 4 passage Brady
    "fr_rare_street": (
        "",
        re.compile(
            r"(?<![\w.,])\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:square|cité|villa|passage|sentier|résidence|lotissement|"
            r"hameau|esplanade|promenade|faubourg|parvis|rond-point|voie|clos)\s+"
            r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’])?[A-ZÀ-Ý][\w'’-]*"
        ),
        "address",
    ),
    # ru: ул. Ленина, д. 5; улица Тверская 12, кв. 4; пр. Мира 15; ул. ленина 5
    "ru_street": (
        "ru",
        re.compile(
            rf"(?<![А-Яа-яЁё])(?:{_RU_STREET})"
            r"\s*[А-ЯЁа-яё][а-яё-]*+(?:\s{1,3}[А-ЯЁа-яё][а-яё-]*+){0,3},?\s*(?:д\.?\s*|дом\s*)?\d{1,4}[а-я]?"
            r"(?:\s*,?\s*(?:кв\.?|квартира)\s*\d{1,4})?"
        ),
        "address",
    ),
    # ru, the name before the kind of street: Ленинградский проспект 39, Невский пр., 28, Кутузовский пр-кт, д. 32
    "ru_name_first": (
        "ru",
        re.compile(
            rf"(?<![А-Яа-яЁё])[А-ЯЁ][а-яё-]+\s+(?:{_RU_STREET})\s*,?\s*(?:д\.?\s*|дом\s*)?\d{{1,4}}[а-я]?"
            r"(?:\s*,?\s*(?:кв\.?|квартира)\s*\d{1,4})?"
        ),
        "address",
    ),
    # ko: 서울특별시 강남구 테헤란로 123, 부산 해운대구 우동 1408, 성남시 판교역로 235
    "ko_road": (
        "ko",
        re.compile(
            r"(?<![가-힣])[가-힣]{1,10}(?:구|군|시)\s+[가-힣0-9]{1,12}(?:로|길|동)\s*\d{1,4}(?:-\d{1,4})?"
            r"(?:\s*\d{1,4}호)?"
        ),
        "address",
    ),
    # ko: a block of flats, its building and flat: 래미안아파트 102동 1504호
    "ko_flat": ("ko", re.compile(r"(?<![0-9])[0-9]{1,4}\s?동\s?[0-9]{1,4}\s?호"), "address"),
    # ar: شارع الملك فهد 1234, حي النخيل شارع 15
    "ar_street": (
        "ar",
        re.compile(
            r"(?<!عن )(?:شارع|طريق)\s+[\u0621-\u064a]++(?:\s{1,3}[\u0621-\u064a]++){0,3}"
            r"\s*[،,]?\s*(?:رقم\s*)?[0-9]{1,5}(?![0-9])"
        ),
        "address",
    ),
    # ar: the number before the street (Egypt: ٢٤ شارع التحرير), a building or villa number (مبنى 1234,
    # عمارة 5), a PO box (ص.ب 1234)
    "ar_number_first": (
        "ar",
        re.compile(
            r"(?<![0-9])[0-9]{1,5}\s+(?:شارع|ش\.)\s*[\u0621-\u064a]++(?:\s{1,3}[\u0621-\u064a]++){0,2}"
            r"|(?<![\u0621-\u064a])(?:مبنى|مبني|عمارة|عماره|بناية|بنايه|فيلا)\s*(?:رقم\s*)?[0-9]{1,5}(?![0-9])"
            r"(?:\s*[،,]?\s*(?:شقة|شقه)\s*(?:رقم\s*)?[0-9]{1,4})?"
            r"|(?<![\u0621-\u064a])ص\s?\.?\s?ب\.?\s*:?\s*[0-9]{1,6}(?![0-9])"
        ),
        "address_shaped",
    ),
}
# Words (lower case) without one of which a pattern cannot match: it is not run at all (this runs on every
# message with a digit).
_ADDRESS_NEEDS: dict[str, tuple[str, ...]] = {
    "en_announced": ("addr", "ship", "deliver", "sen", "live", "left", "dropped"),
    "po_box": ("box", "postfach", "apartado", "caixa", "boîte", "boite", "а/я", "ящик", "bp"),
    "grid_street": ("#", "no", "n°", "nº"),
    "zh_building": ("号楼", "號樓", "栋", "棟", "幢"),
    "ja_chome": ("丁目",),
    "ja_banchi": ("番地",),
    "ja_ban_go": ("番",),
    "es_pt_lower_case": (
        "calle",
        "avenida",
        "paseo",
        "carrera",
        "rua",
        "travessa",
        "alameda",
        "praça",
        "praca",
        "estrada",
        "largo",
    ),
    "ko_flat": ("동",),
    "ko_road": ("구", "군", "시"),
    "zh_road": ("路", "街", "道", "巷", "弄", "胡同"),
    "ar_street": ("شارع", "طريق"),
    "ru_street": ("ул", "пр", "пер", "ш.", "шоссе", "б-р", "бульвар", "наб", "проезд", "пл.", "площадь"),
    "ru_name_first": ("ул", "пр", "пер", "ш.", "шоссе", "б-р", "бульвар", "наб", "проезд", "пл.", "площадь"),
    "fr_street": ("rue", "av", "boulevard", "bd", "place", "chemin", "allée", "impasse", "quai", "route", "cours"),
    "fr_rare_street": (
        *("square", "cité", "villa", "passage", "sentier", "résidence", "lotissement", "hameau", "esplanade"),
        *("promenade", "faubourg", "parvis", "rond-point", "voie", "clos"),
    ),
    "es_pt_street": (
        *("calle", "c/", "av", "paseo", "plaza", "pza.", "carrera", "camino", "ronda", "travesía", "carretera"),
        *("calzada", "pasaje", "jirón", "rua", "r.", "travessa", "alameda", "praça", "estrada", "rodovia", "largo"),
        "beco",
    ),
    "de_street": ("str", "weg", "allee", "platz", "gasse", "damm", "ring", "ufer"),
    "de_street_spaced": ("str", "weg", "allee", "platz", "gasse"),
    "ar_number_first": ("شارع", "ش.", "مبن", "عمار", "عماره", "بناي", "فيلا", "ص"),
}
_ADDRESS_NEEDS_RE = {
    name: re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))
    for name, words in _ADDRESS_NEEDS.items()
}
_SCRIPTS = {
    "zh": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),
    "ru": re.compile(r"[А-Яа-яЁё]"),
    "ko": re.compile(r"[가-힣]"),
    "ar": re.compile(r"[\u0621-\u064a]"),
}


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _looks_like_date(digits: str) -> bool:
    """20261128 or 28112026: a compact date, not an order number (unless an order word says so)."""
    if len(digits) != 8:
        return False
    for year, month, day in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[2:4], digits[:2])):
        if 1990 <= int(year) <= 2100 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return True
    return False


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and 1900 <= int(digits) <= 2099


Add = Callable[[str, str, int, int], None]


def _candidates(text: str, known: Iterable[str]) -> list[tuple[str, int, int, str]]:
    """All (rank key, start, end, kind) candidates in the masked text; overlaps are resolved by the caller."""
    found: list[tuple[str, int, int, str]] = []

    def add(rank_key: str, kind: str, start: int, end: int) -> None:
        if end > start:
            found.append((rank_key, start, end, kind))

    if "@" in text:
        for m in _EMAIL.finditer(text):
            add("email", "email", m.start(), m.end())
    for value in {k.strip() for k in known if k and len(k.strip()) >= 4}:
        for m in re.finditer(rf"(?<![\w-]){re.escape(_fold(value))}(?![\w-])", text, re.IGNORECASE):
            add("known_order", "order_number", m.start(), m.end())

    digits = sum(map(text.count, "0123456789"))
    if digits == 0:
        return found
    _addresses(text, add)  # "12 rue de la Paix": an address needs only one digit
    _store_orders(text, add)  # a store's own format may have few digits (ZX99A1)
    _payments(text, add, digits)  # "ref: 7HG2K9QX" has three digits
    if digits < 4:
        return found
    if digits >= 13:
        _cards(text, add)
    _tracking(text, add)
    _orders(text, add)
    _card_last4(text, add)
    if digits >= 7:
        strong = [(s, e) for r, s, e, _k in found if _RANK[r] < _RANK["phone_formatted"]]
        for start, end in _phone_spans(text, strong):
            add("phone_formatted", "phone", start, end)
    return found


def _cards(text: str, add: Add) -> None:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if not 13 <= len(digits) <= 19:
            continue
        groups = "".join(str(len(g)) if len(g) < 10 else "x" for g in re.split(r"[ -]", m.group(0)))
        if len(groups) > 1 and not _CARD_GROUPS.fullmatch(groups):
            continue  # "+55 21 99876-5432" is a phone number, not a card
        context = _context(text, m.start())[0]
        if context == "pay" and len(digits) not in (15, 16):
            continue  # "Venmo payment ID 3456789012345678901": a payment's id, not a card
        if (digits[0] in "3456" and _luhn_ok(digits)) or context == "card":
            add("card_number", "card_number", m.start(), m.end())


def _payments(text: str, add: Add, digits: int) -> None:
    for m in _PAYPAL_TXN.finditer(text):
        add("payment_reference", "payment_reference", m.start(), m.end())
    if "PAYID-" in text:
        for m in _PAYID.finditer(text):
            add("payment_reference", "payment_reference", m.start(), m.end())
    if "_" in text:
        for m in _STRIPE.finditer(text):
            add("payment_reference", "payment_reference", m.start(), m.end())
    for m in _PAYMENT_CONTEXT.finditer(text):
        add("payment_reference", "payment_reference", m.start("ref"), m.end("ref"))
    if digits >= 10:  # the shortest IBANs (Norway's 15 characters) carry at least 11 digits
        for m in _IBAN.finditer(text):
            end = _iban_end(m.group(0))
            if end:
                add("payment_reference", "payment_reference", m.start(), m.start() + end)
    if digits >= 20:
        for pattern in (_WALLET_TRADE_NO, _PIX_E2E):
            for m in pattern.finditer(text):
                add("payment_reference", "payment_reference", m.start(), m.end())


def _iban_end(candidate: str) -> int:
    """How much of ``candidate`` is an IBAN (0: none): its country's length when known, else the
    longest prefix of 15–34 characters whose mod-97 check holds — so "FR76 … 189 MERCI" stops at 189."""
    compact = candidate.replace(" ", "").upper()
    known = _IBAN_LENGTHS.get(compact[:2])
    lengths = (known,) if known else range(min(len(compact), 34), 14, -1)
    for length in lengths:
        if len(compact) < length:
            continue
        iban = compact[:length]
        if int("".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])) % 97 == 1:
            seen = 0  # map the length back onto the spaced text
            for i, ch in enumerate(candidate):
                seen += ch != " "
                if seen == length:
                    return i + 1
    return 0


def _tracking(text: str, add: Add) -> None:
    specific, generic = _tracking_patterns(tuple(app_settings.TRACKING_NUMBER_PATTERNS or ()))
    for pattern in specific:
        for m in pattern.finditer(text):
            add("tracking_number", "tracking_number", m.start(1), m.end(1))
    for pattern in generic:
        for m in pattern.finditer(text):
            add("tracking_generic", "tracking_number", m.start(1), m.end(1))


def _orders(text: str, add: Add) -> None:
    """Order numbers: every number-like token judged by its shape and by the words before it (an order
    word makes even "pedido 4567" an order)."""
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if len(token) > 48:
            continue
        start, end = m.start(), m.end()
        context, signed, glue = _context(text, start)
        if context == "order" and not _NUMBER_GLUE.fullmatch(glue) and _token_kind(token, None, signed) is None:
            context = None  # "ordered a Dell XPS 9530": the order word does not announce this number
        if context in ("order", "track") and token.isdigit() and len(token) <= 6:
            tail = _SPLIT_TAIL.match(text, end)  # "order 4000 1234": one number split for reading
            if tail:
                end = tail.end()
                token = text[start:end].replace(" ", "")
        kind = _token_kind(token, context, signed)
        if kind:
            add(kind, "tracking_number" if kind == "tracking_number" else "order_number", start, end)


def _store_orders(text: str, add: Add) -> None:
    """Order numbers in the stores' own formats (``ORDER_NUMBER_PATTERNS``), unless the words around
    say it is something else (a phone, a tracking number…) or the value is a date, a year or a model."""
    for pattern in _order_patterns(_order_pattern_sources()):
        for m in pattern.finditer(text):
            group = 1 if pattern.groups else 0
            start, end = m.start(group), m.end(group)
            if end <= start:
                continue
            context, signed, _glue = _context(text, start)
            value = m.group(group)
            if value.isdigit() and _looks_like_date(value) and not signed:
                continue
            if context == "order":
                add("known_order", "order_number", start, end)
            elif context is None and not _is_decoy(value):
                add("order_number", "order_number", start, end)


def _is_decoy(value: str) -> bool:
    """A value that a bare pattern matches but that is a date, a year or a product/standard code."""
    digits = re.sub(r"[^0-9]", "", value)
    letters = re.match(r"[A-Za-z]+", value)
    if letters and letters.group(0).upper() in _NOT_A_STORE:
        return True
    if value.isdigit():
        return _looks_like_date(value)
    groups = re.findall(r"[0-9]+", value)
    return (len(groups) == 1 and _is_year(digits)) or (bool(groups) and all(_is_year(g) for g in groups))


def _token_kind(token: str, context: str | None, signed: bool) -> str | None:
    """The rank key for a number-like token, or None: shapes customers use for order numbers, and the
    context that decides (order word: an order; tracking word: a tracking number; phone, payment, card
    words: another detector's business)."""
    digits = sum(ch.isdigit() for ch in token)
    if digits < 4 or context in ("phone", "pay", "card", "other"):
        return None
    if context == "track":
        return "tracking_number" if digits >= 6 or len(token) >= 8 else None
    ordered = context == "order"
    if _DIGITS_ONLY.fullmatch(token):
        if _looks_like_date(token) and not signed:
            return None  # "ordered 20240702": a compact date, even after an order word
        if ordered or signed:
            if ordered and (digits >= 5 or not _is_year(token)):
                return "known_order"
            return "known_order" if digits >= 5 else None
        if 6 <= digits <= 19 and digits != 15 and not _looks_like_date(token):
            return "order_number"
        return None
    if _DASHED.fullmatch(token):
        if _MARKETPLACE.fullmatch(token):
            return "known_order"  # 112-3456789-1234567: no phone or date is written like that
        groups = token.split("-")
        if all(_is_year(g) for g in groups):  # 2019-2024
            return None
        if ordered or signed:
            return "known_order"
        if digits < 8:
            return None
        if len(groups) == 2 and len(groups[0]) == len(groups[1]) <= 5 and int(groups[0]) < int(groups[1]):
            return None  # a range: 10000-15000
        return "order_number"
    prefixed = _PREFIXED.fullmatch(token)
    if prefixed:
        letters, rest = prefixed.group("letters"), prefixed.group("rest")
        if letters.upper() in _NOT_A_STORE:
            return None
        first = rest.split("-")[0]
        if ordered or signed:
            if "-" not in rest and _is_year(rest) and not prefixed.group("dash"):
                return None
            return "known_order"
        if not letters.isupper() or (rest == first and _is_year(first)):
            return None
        if prefixed.group("dash"):
            return "order_number" if len(first) >= 4 and (len(letters) >= 2 or digits >= 5) else None
        if rest != first:  # D01-1234567-1234567
            if _MARKETPLACE.fullmatch(token):
                return "known_order"
            return "order_number" if digits >= 8 else None
        # A12345678, SO20240702001; CNAQV123456789 (a Cainiao parcel) needs more digits behind five letters
        return "order_number" if digits >= 6 and (len(letters) <= 3 or digits >= 8) else None
    # Letters and digits mixed (WH-1000XM5, 8A7B6C5D): an order only when announced, mostly digits.
    if ordered and digits >= 6 and digits * 5 >= len(token.replace("-", "")) * 3:
        return "known_order"
    return None


def _card_last4(text: str, add: Add) -> None:
    """The last four digits of a card: each run of exactly four digits, read with the words before it."""
    for run in _DIGIT_RUN.finditer(text):
        start, end = run.span()
        if end - start != 4 or _NEXT_GROUP.match(text, end):
            continue  # not four digits, or the first group of a longer number ("card 4111 1111 …")
        if _LAST4_AFTER.match(text, end) or any(
            _last4_announced(m, text, start, end) for m in _LAST4_CONTEXT.finditer(text, max(0, start - 48), start)
        ):
            add("card_last4", "card_last4", start, end)
    if "*" in text or "x" in text or "X" in text or "•" in text or "●" in text or "·" in text:
        for m in _MASKED_CARD.finditer(text):
            add("card_last4", "card_last4", m.start("digits"), m.end("digits"))


def _last4_announced(m: re.Match[str], text: str, start: int, end: int) -> bool:
    """Do the words found at ``m`` announce the card digits at ``start:end``?"""
    gap = text[m.end() : start]
    if len(gap) > 30 or _GAP_BREAK.search(gap):
        return False
    if m.lastgroup == "card":
        # "card ending 1234", "Karte mit Endziffern 1234", "card ****1234", "Visa: 1234",
        # "die Karte, die auf 1234 endet"
        return bool(
            _CARD_GAP_ENDING.search(gap)
            or (_CARD_GAP_SHORT.fullmatch(gap) and not _is_year(text[start:end]))
            or _ENDING_AFTER.match(text, end)
        )
    if m.lastgroup == "end":
        # "ending in 1234" counts when a card word is near: "the Visa I used, ending in 1234"
        before = text[max(0, m.start() - 36) : m.start()]
        after = text[end : end + 24].lstrip(" ,.:-")
        return bool(_CARD_WORD.search(before) or _CARD_WORD.search(gap) or _CARD_WORD.match(after))
    if m.lastgroup == "tail":  # 尾号, 末尾, 끝자리 — unless it is a phone's or an order's tail
        return len(gap) <= 8 and not _NOT_CARD_TAIL.search(text[max(0, m.start() - 12) : m.start()])
    return len(gap) <= 20  # "the last four digits of my card are 1234"


def _phone_spans(text: str, strong: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Phone numbers in any country format: formatted digit runs that phonenumbers validates in one of
    the desk's regions, mobile shapes written without spaces, then fallbacks for a "+" or a phone word.

    A run already covered by a stronger finding (an announced order number, a card…) is not parsed.
    """
    spans: set[tuple[int, int]] = set()
    budget = _PHONE_CANDIDATES_PER_TEXT
    for m in _PHONE_CANDIDATE.finditer(text):
        raw = m.group(0)
        start, end = m.start(), m.end()
        if raw.isdigit() or sum(ch.isdigit() for ch in raw) < 7:
            continue  # bare runs: an order number, or a mobile shape (below)
        if any(s <= start and end <= e for s, e in strong) or _context(text, start)[0] == "other":
            continue  # inside an announced order or a card; or a postal code (CEP 01310-100)
        budget -= 1
        if budget < 0:
            break  # a wall of numbers (hostile input): the fallbacks below still read it
        for offset, length in _phone_parts(raw):
            spans.add((start + offset, start + offset + length))
    for m in _MOBILE_BARE.finditer(text):
        spans.add((m.start(), m.end()))
    if "+" in text:
        for m in _PHONE_INTL.finditer(text):
            digits = sum(ch.isdigit() for ch in m.group(0))
            if 8 <= digits <= 15:
                spans.add((m.start(), m.end()))
    for m in _PHONE_LOCAL.finditer(text):
        digits = sum(ch.isdigit() for ch in m.group(0))
        if 7 <= digits <= 15 and _PHONE_WORD_BEFORE.search(text[max(0, m.start() - 30) : m.start()]):
            spans.add((m.start(), m.end()))
    return sorted(spans)


@lru_cache(maxsize=4096)
def _phone_parts(raw: str) -> tuple[tuple[int, int], ...]:
    """(offset, length) of the phone numbers in one formatted digit run (cached: the composer re-checks
    the same runs on every keystroke). The whole run first; a run too long for one number ("order
    4000 1234 call 06 12 34 56 78" minus the words) is read group by group, longest piece first."""
    if sum(ch.isdigit() for ch in raw) <= 15:
        return ((0, len(raw)),) if _valid_phone(raw) else ()
    groups = [(m.start(), m.end()) for m in re.finditer(r"\S+", raw)]  # a dashed token is never cut
    parts: list[tuple[int, int]] = []
    i = 0
    while i < len(groups):
        first = groups[i][0]
        for j in range(len(groups) - 1, i, -1):
            piece = raw[first : groups[j][1]]
            count = sum(ch.isdigit() for ch in piece)
            if count > 15:
                continue
            if count < 7:
                break
            if _valid_phone(piece):
                parts.append((first, len(piece)))
                i = j
                break
        i += 1
    return tuple(parts)


def _valid_phone(raw: str) -> bool:
    regions: tuple[str | None, ...] = (None,) if raw.startswith("+") else _PHONE_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(raw, region, keep_raw_input=True)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and _is_national_prefix_present_if_required(number):
            return True
    return False


def _addresses(text: str, add: Add) -> None:
    present = {script for script, pattern in _SCRIPTS.items() if pattern.search(text)}
    lower = text.lower()
    for name, (script, pattern, rank_key) in _ADDRESS_PATTERNS.items():
        if script and script not in present:
            continue
        needs = _ADDRESS_NEEDS_RE.get(name)
        if needs is not None and needs.search(lower) is None:
            continue
        group = "addr" if "addr" in pattern.groupindex else 0
        for m in pattern.finditer(text):
            add(rank_key, "address", m.start(group), m.end(group))


def _order_pattern_sources() -> tuple[str, ...]:
    return tuple(value for values in (app_settings.ORDER_NUMBER_PATTERNS or {}).values() for value in values)


@lru_cache(maxsize=32)
def _order_patterns(sources: tuple[str, ...]) -> list[re.Pattern[str]]:
    patterns: list[re.Pattern[str]] = []
    for value in sources:
        try:
            patterns.append(re.compile(value))
        except (re.error, TypeError):
            continue  # checks.py reports bad patterns; the guard keeps working
    return patterns


@lru_cache(maxsize=32)
def _tracking_patterns(sources: tuple[str, ...]) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    """Carrier-specific patterns, and the generic all-digits ones (lower rank: they are also phones)."""
    specific: list[re.Pattern[str]] = []
    generic: list[re.Pattern[str]] = []
    for value in sources:
        try:
            pattern = re.compile(value if "(" in value else f"({value})")
        except (re.error, TypeError):
            continue
        all_digits = not re.search(r"[A-Za-z]", re.sub(r"\\[bdD]", "", value))
        (generic if all_digits else specific).append(pattern)
    return specific, generic


def private_data_find(text: str, *, known: Iterable[str] = ()) -> list[PrivateDataFinding]:
    """Every piece of private data in ``text``, in reading order, without overlaps.

    ``known`` adds the case's own order numbers, tracking numbers and payment references, so a
    number in a store's own format is caught even when no pattern would.
    """
    if not text:
        return []
    masked = _mask(_fold(text))
    candidates = _candidates(masked, known)
    candidates.sort(key=lambda c: (_RANK[c[0]], c[1], -(c[2] - c[1])))
    taken: list[tuple[int, int]] = []
    findings: list[PrivateDataFinding] = []
    for _rank, start, end, kind in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        span = text[start:end]
        findings.append(
            PrivateDataFinding(kind=kind, text=span, start=start, end=end, explanation=_explain(kind, span))
        )
    findings.sort(key=lambda f: f.start)
    return findings


def private_data_summary(findings: Iterable[PrivateDataFinding]) -> str:
    """One sentence naming the private parts: “40001234” (an order number), “a@b.com” (an e-mail)."""
    parts = [f"“{f.text}” ({KIND_LABELS[f.kind]})" for f in findings]
    return ", ".join(parts)
