"""Risk-signal finder: kinds in every language, paraphrases, script boundaries, negation, offsets.

The dev set (``data/risk_dev.jsonl``) is what the lexicon was tuned on; the parametrized cases
below pin behaviour that must not regress.  Speed is measured by hand (see the module
docstring of ``crm_twitter.classify.risk``), never in a timed test.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from crm_twitter.classify.risk import RISK_KINDS, RiskSignal, risk_signals_find

DEV_SET = Path(__file__).parent / "data" / "risk_dev.jsonl"
LANGUAGES = ("en", "zh", "es", "de", "fr", "ja", "pt", "ru", "ko", "ar")


def kinds(text: str, language: str | None = None) -> set[str]:
    return {signal.kind for signal in risk_signals_find(text, language=language)}


# --- every kind in every language -------------------------------------------------------------

EVERY_KIND_EVERY_LANGUAGE = [
    # chargeback
    ("en", "chargeback", "Refund me by Friday or I'm doing a chargeback"),
    ("es", "chargeback", "Voy a pedir un contracargo a mi banco"),
    ("pt", "chargeback", "Vou contestar a compra no cartão"),
    ("fr", "chargeback", "J'ai fait opposition auprès de ma banque"),
    ("de", "chargeback", "Ich lasse das Geld zurückbuchen"),
    ("ru", "chargeback", "Оспорю платёж через банк"),
    ("zh", "chargeback", "我要去银行申请拒付"),
    ("ja", "chargeback", "カード会社にチャージバックを申請します"),
    ("ko", "chargeback", "카드사에 이의제기 하겠습니다"),
    ("ar", "chargeback", "سأطلب استرجاع المبلغ عن طريق البنك"),
    # payment_dispute
    ("en", "payment_dispute", "Fix it or I'll open a PayPal dispute"),
    ("es", "payment_dispute", "Abrí una disputa en PayPal"),
    ("pt", "payment_dispute", "Vou abrir disputa no PayPal"),
    ("fr", "payment_dispute", "Litige PayPal ouvert ce matin"),
    ("de", "payment_dispute", "Ich habe den PayPal-Käuferschutz beantragt"),
    ("ru", "payment_dispute", "Открыла спор в PayPal"),
    ("zh", "payment_dispute", "我要在支付宝投诉你们"),
    ("ja", "payment_dispute", "PayPalで異議申し立てします"),
    ("ko", "payment_dispute", "페이팔 분쟁 열었어요"),
    ("ar", "payment_dispute", "فتحت نزاع على باي بال"),
    # legal
    ("en", "legal", "My solicitor will be in touch"),
    ("es", "legal", "Los voy a demandar"),
    ("pt", "legal", "Meu advogado já está cuidando disso"),
    ("fr", "legal", "Je vais porter plainte"),
    ("de", "legal", "Ich werde euch verklagen"),
    ("ru", "legal", "Подам в суд"),
    ("zh", "legal", "我已经请了律师"),
    ("ja", "legal", "少額訴訟を起こします"),
    ("ko", "legal", "소송 걸겠습니다"),
    ("ar", "legal", "سأرفع قضية ضد شركتكم"),
    # regulator
    ("en", "regulator", "Reported you to Trading Standards"),
    ("es", "regulator", "Ya puse la queja en Profeco"),
    ("pt", "regulator", "Reclamação registrada no Procon"),
    ("fr", "regulator", "Je saisis le médiateur de la consommation"),
    ("de", "regulator", "Ich wende mich an die Verbraucherzentrale"),
    ("ru", "regulator", "Пишу жалобу в Роспотребнадзор"),
    ("zh", "regulator", "我要打12315投诉"),
    ("ja", "regulator", "消費生活センターに相談しました"),
    ("ko", "regulator", "한국소비자원에 신고했어요"),
    ("ar", "regulator", "قدمت شكوى لجهاز حماية المستهلك"),
    # press
    ("en", "press", "Maybe BBC Watchdog would like to hear about this"),
    ("es", "press", "Voy a llevar esto a los medios de comunicación"),
    ("pt", "press", "Vou mandar para a imprensa"),
    ("fr", "press", "Un journaliste m'a déjà contacté"),
    ("de", "press", "Das geht an die Presse"),
    ("ru", "press", "Отправлю эту историю журналистам"),
    ("zh", "press", "准备找媒体曝光你们"),
    ("ja", "press", "マスコミに情報提供します"),
    ("ko", "press", "언론에 제보하겠습니다"),
    ("ar", "press", "سأنشر القصة في الصحافة"),
    # platform_claim
    ("en", "platform_claim", "Opened an A-to-z claim since you won't reply"),
    ("es", "platform_claim", "Abrí un reclamo en Mercado Libre"),
    ("pt", "platform_claim", "Já abri reclamação no Reclame Aqui"),
    ("fr", "platform_claim", "Je vais ouvrir un litige sur AliExpress"),
    ("de", "platform_claim", "Bei Amazon habe ich die A-bis-z-Garantie beantragt"),
    ("ru", "platform_claim", "Открыл спор на AliExpress"),
    ("zh", "platform_claim", "淘宝投诉已提交，申请平台介入"),
    ("ja", "platform_claim", "Amazonのマーケットプレイス保証を申請しました"),
    ("ko", "platform_claim", "쿠팡에 신고 접수했습니다"),
    ("ar", "platform_claim", "فتحت نزاع على علي اكسبرس"),
]


def test_the_table_covers_every_kind_in_every_language():
    covered = {(lang, kind) for lang, kind, _ in EVERY_KIND_EVERY_LANGUAGE}
    assert covered == {(lang, kind) for lang in LANGUAGES for kind in RISK_KINDS}


@pytest.mark.parametrize(("language", "kind", "text"), EVERY_KIND_EVERY_LANGUAGE)
def test_every_kind_in_every_language(language, kind, text):
    assert kinds(text, language) == {kind}


@pytest.mark.parametrize(("language", "kind", "text"), EVERY_KIND_EVERY_LANGUAGE)
def test_language_hint_is_optional(language, kind, text):
    assert kind in kinds(text)


# --- word families and inflections -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'm going to sue you", "legal"),
        ("We are suing", "legal"),
        ("I sued a shop like yours once", "legal"),
        ("Lawyers are expensive but so is your junk", "legal"),
        ("See you in small claims court", "legal"),
        ("Voy a demandarlos", "legal"),
        ("Los demandaré", "legal"),
        ("Los denunciaré", "legal"),
        ("Ich verklage euch", "legal"),
        ("Mein Rechtsanwalt ist informiert", "legal"),
        ("Подам в суд", "legal"),
        ("Засужу вас", "legal"),
        ("Обращусь к адвокату", "legal"),
        ("Vou processá-los", "legal"),
        ("Je vais prendre un avocat", "legal"),
        ("chargebacks incoming", "chargeback"),
        ("doing a charge back", "chargeback"),
        ("doing a charge-back", "chargeback"),
        ("ok im doing a chargback", "chargeback"),
        ("Rückbuchungen sind veranlasst", "chargeback"),
        ("Rueckbuchung beantragt", "chargeback"),
        ("je vais faire une retrofacturation", "chargeback"),
        ("Reclamacao no Procon", "regulator"),
    ],
)
def test_word_families_inflections_and_missing_accents(text, kind):
    assert kind in kinds(text)


# --- paraphrases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Going to claim with PayPal then", "payment_dispute"),
        ("PayPal… open a case it is", "payment_dispute"),
        ("I'll file a claim through paypal", "payment_dispute"),
        ("Filing a PayPal claim as we speak", "payment_dispute"),
        ("Klarna dispute opened", "payment_dispute"),
        ("Dann lasse ich es über PayPal zurückbuchen", "payment_dispute"),
        ("I will dispute it with my card issuer", "chargeback"),
        ("I'll call my bank to reverse the payment", "chargeback"),
        ("Already raised a dispute with Amex", "chargeback"),
        ("je vais faire opposition auprès de ma banque", "chargeback"),
        ("Voy a desconocer el cargo con mi tarjeta", "chargeback"),
        ("Opened a case on eBay", "platform_claim"),
        ("I'll open a dispute on AliExpress", "platform_claim"),
        ("Reported the seller to Etsy", "platform_claim"),
        ("Abrí un reclamo en Mercado Libre", "platform_claim"),
        ("Filed a complaint with the CFPB", "regulator"),
        ("Contacting consumer affairs about this", "regulator"),
        ("I'll be contacting the local newspaper", "press"),
        ("Time to get legal involved", "legal"),
    ],
)
def test_paraphrases(text, kind):
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "I paid with PayPal",
        "I paid with PayPal two weeks ago and still no tracking number",
        "my bank statement shows two charges",
        "Do you ship to Canada? Paying with Apple Pay",
        "Amazon claims the parcel was delivered but it's not here",
        "I bought it on Amazon and it broke",
        "Card got charged but the order shows cancelled, please help",
        "Pagué con PayPal y todavía no llega nada",
        "Paguei com PayPal e até agora nada",
        "O estorno no cartão ainda não caiu",
        "Ich habe mit PayPal bezahlt, wann kommt die Ware?",
        "Оплатил через PayPal, где заказ?",
        "我用支付宝付的款，什么时候发货",
        "PayPalで支払いましたが届きません",
        "페이팔로 결제했는데 배송이 안 와요",
        "دفعت عن طريق باي بال ولم يصل الطلب",
    ],
)
def test_paying_with_a_provider_or_mentioning_a_bank_is_not_a_signal(text):
    assert risk_signals_find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vou pedir para o banco cancelar a compra", {"chargeback"}),
        ("O banco cancelou a compra, tentei de novo", set()),
        ("Je demande à ma banque d'annuler le paiement", {"chargeback"}),
        ("Ma banque a annulé le paiement, je réessaie", set()),
        ("Попрошу банк отменить платёж", {"chargeback"}),
        ("Банк отменил платёж, как оплатить?", set()),
        ("Über die Kreditkarte hole ich mir das Geld zurück", {"chargeback"}),
        ("Meine Bank hat die Zahlung storniert, wie zahle ich jetzt?", set()),
    ],
)
def test_asking_the_bank_to_reverse_versus_the_bank_declining(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "My friend Sue said you are great",
        "The pressure regulator on the heater leaks",
        "Press and hold the power button, still broken",
        "I saw your press release about the recall",
        "We had a nice time at the food court",
        "Hay mucha demanda en Navidad, lo entiendo",
        "Vocês podem processar meu reembolso logo?",
        "Le délai de livraison est trop court",
        "Die Gerichte in eurem Restaurant waren kalt",
        "Судя по трекингу, посылка застряла",
        "相机拍照曝光过度怎么办",
        "请转给相关部门处理一下",
        "テレビが壊れていました",
        "고소한 맛 과자가 품절인가요?",
        "كتابي وصل متأخر",
        "المنتج غير قانوني",
    ],
)
def test_decoys(text):
    assert risk_signals_find(text) == []


# --- scripts without word spaces -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["我要打12315投诉", "我要打 12315", "12315投诉你们", "已经拨打１２３１５", "Call 12315 now"],
)
def test_12315_inside_chinese_text(text):
    assert kinds(text) == {"regulator"}


@pytest.mark.parametrize(
    "text",
    ["订单号4412315990，请帮忙查询", "order #12315 missing", "我花了12315元买的", "Samsung Galaxy 12315 edition?"],
)
def test_12315_inside_a_number_or_as_an_amount_is_not_the_hotline(text):
    assert risk_signals_find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要找律师起诉你们", {"legal"}),
        ("已经联系了记者", {"press"}),
        ("弁護士に相談しています", {"legal"}),
        ("언론에 제보하겠습니다", {"press"}),
        ("한국소비자원에 신고합니다", {"regulator"}),
        ("سأشتكي لجهاز حماية المستهلك", {"regulator"}),
        ("سأقدم بلاغ للشرطة", {"legal"}),
        ("PayPal분쟁", {"payment_dispute"}),
    ],
)
def test_cjk_korean_and_arabic_match_without_word_boundaries(text, expected):
    assert kinds(text) == expected


def test_latin_words_keep_their_boundaries():
    assert risk_signals_find("pursue the lawyerly ideal of suede shoes") == []


# --- negation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'm not threatening a chargeback, but…"),
        ("en", "I don't want to sue anyone"),
        ("en", "I have no intention of taking this to court"),
        ("en", "We're not going to involve lawyers yet"),
        ("en", "I will not be opening a PayPal dispute if you respond today"),
        ("es", "No quiero denunciar"),
        ("es", "No pienso demandarlos, solo quiero el cambio"),
        ("pt", "Não quero abrir reclamação no Procon"),
        ("pt", "Não vou processar ninguém"),
        ("fr", "Je ne veux pas porter plainte"),
        ("fr", "Je n'ai pas l'intention de contacter un avocat"),
        ("de", "Ich will keinen Anwalt einschalten"),
        ("de", "Ich möchte nicht klagen, nur mein Geld"),
        ("ru", "Не хочу идти в суд"),
        ("ru", "В суд не пойду, просто замените товар"),
        ("zh", "我不想投诉到12315"),
        ("zh", "我没打算起诉，只想退货"),
        ("ja", "訴えるつもりはない"),
        ("ja", "訴えるつもりはありません"),
        ("ja", "弁護士に相談する気はないです"),
        ("ko", "소송할 생각은 없어요"),
        ("ko", "소송할 생각 전혀 없어요"),
        ("ko", "신고하지 않을게요"),
        ("ar", "لا أريد رفع قضية"),
        ("ar", "لن أرفع دعوى"),
    ],
)
def test_negated_mentions_are_dropped(language, text):
    assert risk_signals_find(text, language=language) == []
    assert risk_signals_find(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Fix it or I'll open a PayPal dispute", "payment_dispute"),
        ("if I don't hear back I'm calling my lawyer", "legal"),
        ("If you don't refund me I will sue", "legal"),
        ("otherwise chargeback", "chargeback"),
        ("unless you refund me I'm calling my lawyer", "legal"),
        ("I'm not threatening a chargeback, but I will file one if needed", "chargeback"),
        ("I'm not going to sue you yet, but I will if this goes on", "legal"),
        ("I won't hesitate to take legal action", "legal"),
        ("Don't make me call my lawyer", "legal"),
        ("I have no choice but to sue", "legal"),
        ("I don't want to do a chargeback but you leave me no choice", "chargeback"),
        ("No refund yet so I'm calling my lawyer", "legal"),
        ("Si no me devuelven el dinero los demandaré", "legal"),
        ("No me contestan y voy a poner una denuncia", "legal"),
        ("Se não resolverem vou processar vocês", "legal"),
        ("S'il ne me rembourse pas je porte plainte", "legal"),
        ("Je n'hésiterai pas à porter plainte", "legal"),
        ("Wenn ich bis Freitag nichts höre, gehe ich zum Anwalt", "legal"),
        ("Ich werde nicht zögern, einen Anwalt einzuschalten", "legal"),
        ("Если не вернёте деньги, подам в суд", "legal"),
        ("你们再不退款我就起诉", "legal"),
        ("如果不处理就投诉到12315", "regulator"),
        ("我不得不找律师", "legal"),
        ("返金しないなら訴えます", "legal"),
        ("弁護士に相談するしかない", "legal"),
        ("환불 안 해주면 소송하겠습니다", "legal"),
        ("소송할 수밖에 없어요", "legal"),
        ("إذا لم ترد اليوم سأرفع قضية", "legal"),
    ],
)
def test_conditional_threats_and_double_negations_are_kept(text, kind):
    assert kind in kinds(text)


def test_negation_only_reaches_its_own_clause():
    found = risk_signals_find("I'm not threatening a chargeback, but I'll dispute it with my bank")
    assert [signal.kind for signal in found] == ["chargeback"]
    assert found[0].text == "dispute it with my bank"


def test_portuguese_no_is_a_preposition_not_a_negation():
    assert kinds("Reclamação aberta no Procon", "pt") == {"regulator"}
    assert kinds("Vou reclamar no Reclame Aqui", "pt") == {"platform_claim"}
    assert kinds("Vou reclamar no Reclame Aqui") == {"platform_claim"}


# --- overlaps and the result shape ----------------------------------------------------------------


def test_one_signal_per_overlapping_span_longest_wins():
    found = risk_signals_find("I'll open a dispute on AliExpress")
    assert [(signal.kind, signal.text) for signal in found] == [("platform_claim", "open a dispute on AliExpress")]


def test_attorney_general_is_a_regulator_not_a_lawyer():
    assert kinds("Contacting my state attorney general") == {"regulator"}


def test_a_complaint_verb_before_an_institution_is_reported_once():
    assert kinds("Voy a poner una denuncia en Profeco") == {"regulator"}
    assert kinds("Je vais porter plainte auprès de la DGCCRF") == {"regulator"}


def test_several_signals_come_in_reading_order():
    text = "Я напишу жалобу в Роспотребнадзор и подам в суд"
    found = risk_signals_find(text)
    assert [signal.kind for signal in found] == ["regulator", "legal"]
    assert [signal.start for signal in found] == sorted(signal.start for signal in found)


def test_risk_signal_is_a_frozen_value():
    signal = risk_signals_find("lawyer")[0]
    assert signal == RiskSignal("legal", "lawyer", 0, 6)
    with pytest.raises(dataclasses.FrozenInstanceError):
        signal.kind = "press"  # type: ignore[misc]


# --- offsets -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please, my LAWYER says hi", "LAWYER"),
        ("ＬＡＷＹＥＲ！", "ＬＡＷＹＥＲ"),
        ("Straße — Anwälte sind informiert", "Anwälte"),
        ("İstanbul'dan lawyer", "lawyer"),
        ("char\u200bgeback now", "char\u200bgeback"),
        ("Rück\u00adbuchung läuft", "Rück\u00adbuchung"),
        ("我要打１２３１５投诉", "１２３１５"),
        ("ﾁｬｰｼﾞﾊﾞｯｸします", "ﾁｬｰｼﾞﾊﾞｯｸ"),
        ("Je vais porter plainte", "porter plainte"),
        ("Ich werde euch verklagen!", "verklagen"),
        ("Vou procurar um advogado amanhã", "advogado"),
        ("Demandaré a la empresa", "Demandaré"),
        ("سأشتكي لجهاز حماية المستهلك", "حماية المستهلك"),
    ],
)
def test_offsets_point_into_the_original_text(text, expected):
    found = risk_signals_find(text)
    assert len(found) == 1
    signal = found[0]
    assert text[signal.start : signal.end] == signal.text == expected


def test_offsets_of_every_dev_signal_point_into_the_original_text():
    for row in _dev_rows():
        for signal in risk_signals_find(row["text"], language=row["lang"]):
            assert row["text"][signal.start : signal.end] == signal.text
            assert signal.text.strip() == signal.text
            assert signal.kind in RISK_KINDS


# --- hostile input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\t",
        "😡" * 80,
        "a" * 10_000,
        "lawyer " * 1500,
        "不想" * 3000 + "起诉",
        "\ud800 lawyer \udfff",
        "\x00\x01\x02 sue you",
        "e\u0301\u0301\u0301 avocat",
        "Ｓｕｅ ｙｏｕ ﷺ ℌ ① ß" * 50,
        "mixed 律师 lawyer محامي адвокат 변호사 弁護士 " * 20,
        "‮‭ RTL override lawyer",
        "..." * 3000,
    ],
)
def test_hostile_input_never_crashes(text):
    found = risk_signals_find(text)
    for signal in found:
        assert signal.kind in RISK_KINDS
        assert text[signal.start : signal.end] == signal.text
    starts = [signal.start for signal in found]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


@pytest.mark.parametrize("value", [None, "", b"", 0])
def test_none_ish_input_gives_nothing(value):
    assert risk_signals_find(value) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("language", [None, "", "pt-BR", "EN", "xx", 42])
def test_odd_language_hints_are_harmless(language):
    assert kinds("I'm going to sue you", language) == {"legal"}  # type: ignore[arg-type]


# --- the dev set ---------------------------------------------------------------------------------------


def _dev_rows() -> list[dict]:
    with DEV_SET.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_dev_set_shape():
    rows = _dev_rows()
    per_language = Counter(row["lang"] for row in rows)
    assert set(per_language) == set(LANGUAGES)
    assert all(count >= 20 for count in per_language.values())
    for row in rows:
        assert set(row) == {"text", "lang", "risk"}
        assert set(row["risk"]) <= set(RISK_KINDS)
    with_signal = sum(bool(row["risk"]) for row in rows)
    assert 0.35 <= with_signal / len(rows) <= 0.65
    for language in LANGUAGES:
        risky = [row for row in rows if row["lang"] == language and row["risk"]]
        assert {kind for row in risky for kind in row["risk"]} == set(RISK_KINDS), language


def test_dev_set_recall_and_precision():
    true_pos = false_pos = false_neg = 0
    for row in _dev_rows():
        gold = set(row["risk"])
        found = kinds(row["text"], row["lang"])
        true_pos += len(gold & found)
        false_pos += len(found - gold)
        false_neg += len(gold - found)
    recall = true_pos / (true_pos + false_neg)
    precision = true_pos / (true_pos + false_pos)
    assert recall >= 0.9, f"recall {recall:.3f}"
    assert precision >= 0.9, f"precision {precision:.3f}"
