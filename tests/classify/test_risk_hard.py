"""Risk signals on their weak kinds: the press (newsrooms by name, consumer programmes, going public
with a following) and marketplace claims said indirectly, in ten languages, with the mentions that
must stay quiet (negated, or not a threat at all).

The hard development set (``data/risk_hard_dev.jsonl``) is what these words were tuned on;
``data/risk_hard_check.jsonl`` was written after tuning and is only measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_twitter.classify import risk
from crm_twitter.classify.evaluation import detection_scores
from crm_twitter.classify.risk import risk_signals_find
from tests.regex_shapes import nested_unbounded_repeats

DATA = Path(__file__).parent / "data"


def kinds(text: str) -> set[str]:
    return {signal.kind for signal in risk_signals_find(text)}


PRESS = [
    ("en", "I'll be writing to the Daily Mail consumer column about you"),
    ("en", "Reached out to Channel 9 Problem Solvers, they were very interested"),
    ("en", "local radio station is doing a segment on companies like you"),
    ("en", "I have 200k followers and I'm making a video about this"),
    ("en", "Keep ignoring me and I'll make this go viral"),
    ("en", "Time to expose you on TikTok"),
    ("es", "lo mando a Telemundo Responde"),
    ("es", "voy a hacer viral esto si no contestan"),
    ("pt", "vou botar na TV, a Globo vai adorar"),
    ("fr", "je vais contacter Capital sur M6"),
    ("fr", "J'appelle la télé, ça fera un bon reportage"),
    ("de", "Ich wende mich an den WDR Marktcheck"),
    ("ru", "Пойду на Первый канал"),
    ("zh", "发到微博让大家都看看"),
    ("ja", "ネットで拡散します"),
    ("ko", "온라인에 공론화하겠습니다"),
    ("ar", "سأفضحكم في السوشيال ميديا"),
    # texting and romanised habits
    ("en", "gonna post this whole convo on tiktok fr"),
    ("zh", "wo yao fa weibo baoguang nimen"),
    ("ru", "napishu v smi, pust vse znayut"),
    ("ar", "hansharha 3al social media"),
]


@pytest.mark.parametrize(("language", "text"), PRESS, ids=[f"{p[0]}-{i}" for i, p in enumerate(PRESS)])
def test_press_threats_in_ten_languages(language, text):
    assert "press" in kinds(text)


PLATFORM = [
    ("en", "Going to ask Amazon to step in, you clearly won't help"),
    ("en", "Escalated it to Etsy, they can sort you out"),
    ("en", "filing an item not received claim with eBay"),
    ("en", "Temu purchase protection claim submitted"),
    ("en", "opened an INR on amazon, they can deal w u"),
    ("zh", "wo yao shenqing pingtai jieru"),
    ("de", "melde das jetzt bei ebay"),
    ("es", "Ya reporté al vendedor en Shein"),
    ("pt", "Acionei a garantia da Shopee"),
    ("fr", "dossier ouvert chez Vinted"),
    ("de", "Ich habe den Verkäufer bei Amazon gemeldet"),
    ("ru", "Пожаловался на продавца в Ozon"),
    ("zh", "闲鱼小法庭见"),
    ("ja", "Amazonに出品者を報告しました"),
    ("ko", "쿠팡 고객센터에 민원 넣었어요"),
]


@pytest.mark.parametrize(("language", "text"), PLATFORM, ids=[f"{p[0]}-{i}" for i, p in enumerate(PLATFORM)])
def test_marketplace_claims_said_indirectly(language, text):
    assert kinds(text) == {"platform_claim"}


QUIET = [
    "hab euch in der Zeitung gesehen, coole Werbung",
    "my tiktok about the unboxing went viral lol, love the jacket",
    "Saw your ad in the newspaper and ordered, still waiting",
    "contacted support, the BBC app still crashes on my TV",
    "I called the store and then I watched CNN",
    "Hi! I'm a lifestyle creator with 45k followers, would love to collab",
    "We help brands like yours grow to 100k followers in 30 days",
    "my 3 followers agree lol",
    "My video of the unboxing went viral lol, the product is great though",
    "I don't want this to go viral, just answer me",
    "Amazon delivered it, then the driver stepped in mud",
    "wey la tele llegó y cuando la prendí tiene una mancha negra",
    "la pantalla para exhibir en tienda llegó rota",
    "Comprei na Shopee, tem garantia?",
    "DHL hat gemeldet: zugestellt, bei Amazon bestellt",
    "Пожалуйста, проверьте заказ на Ozon",
    "В СМИ писать не буду, просто верните деньги",
    "楽天の報告メールが来ない",
    "I'm not going to the press (yet), just fix it",
]


@pytest.mark.parametrize("text", QUIET)
def test_mentions_that_are_not_a_threat_stay_quiet(text):
    assert kinds(text) == set()


def test_a_media_outlet_is_press_only_when_it_is_told():
    assert kinds("I'll go to the BBC with this") == {"press"}
    assert kinds("the BBC iPlayer app won't load on this TV") == set()


# --- the development and check sets ------------------------------------------------------------


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _scores_of(rows: list[dict]) -> dict[str, float]:
    found = [sorted(kinds(row["text"])) for row in rows]
    return detection_scores([row["risk"] for row in rows], found)


def _scores(name: str) -> dict[str, float]:
    return _scores_of(_rows(name))


def test_the_hard_dev_set():
    scores = _scores("risk_hard_dev.jsonl")
    assert scores["recall"] >= 0.95 and scores["clean_not_flagged"] == 1.0, scores


def test_the_check_set_written_after_tuning():
    scores = _scores("risk_hard_check.jsonl")
    # Its last 25 rows (press and marketplace claims in texting habits: "this whole thread goes on
    # reddit", romanised text, decoys) were added after the habits round was tuned and read 0.76
    # (0.62 before it); the whole file read 0.86 recall, 0.98 precision on 2026-12-06.
    assert scores["recall"] >= 0.85 and scores["precision"] >= 0.95, scores
    first = _scores_of(_rows("risk_hard_check.jsonl")[:40])
    assert first["recall"] >= 0.9 and first["precision"] >= 0.9, first


# --- hostile input -------------------------------------------------------------------------------

HOSTILE = [
    "contact " * 1250,
    "tell the " * 1112,
    "my " + "1" * 9990 + "k followers",
    "make this go " * 770 + "viral",
    "expose " * 1430,
    "发到" * 5000,
    "让大家" * 3334,
    "拡散" * 5000,
    "공론화" * 3334,
    "فضح " * 2500,
    "item not received " * 556 + "claim",
    "to step in " * 910,
    "Verkäufer bei " * 715 + "gemeldet",
    "botar na " * 1112,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_with_the_new_words_is_read(text):
    # As in test_risk.py: a runaway pattern would hang this test rather than fail it.
    text = text[:10_000]
    assert len(text) >= 9_000
    for signal in risk_signals_find(text):
        assert text[signal.start : signal.end] == signal.text


def test_the_press_and_marketplace_patterns_nest_no_unbounded_repeat():
    index = risk._index()
    patterns = {id(p): p for ps in index.by_anchor.values() for p in ps if p.kind in ("press", "platform_claim")}
    actions = {id(p): p for ps in risk._ACTIONS_BY_KIND["platform_claim"].by_anchor.values() for p in ps}
    for pattern in [*patterns.values(), *actions.values()]:
        assert nested_unbounded_repeats(pattern.regex.pattern, pattern.regex.flags) == 0, pattern.regex.pattern
