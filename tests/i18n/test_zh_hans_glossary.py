"""The Chinese interface calls one thing by one name.

The zh-Hans catalogue had grown two words for a case: 案件 (71 strings: "My cases" was 我的案件) and
工单 (38 strings, among them the stale-form banners and the report notes), and addressed the agent
as both 你 and 您. An agent reading 案件 in the queue and 工单 in the banner above it wonders
whether these are two different things.

The glossary, one term per concept:

* case → 工单. It is the word Chinese helpdesk products use for a customer's ticket or case (a
  work order the desk owns until it is closed: 我的工单, 未结工单, 工单详情); 案件 reads as a legal
  or police case, which an after-sales complaint is not. 个案 and 票 are rejected for the same reason.
* you → 您: the polite form, which most strings already used and business software uses.
* escalation → 升级 (already consistent; pinned so it stays so).
* incident → 突发事件, not 事件: the catalogue already uses 事件 for an event (a timeline event in
  the evidence pack, X's webhook and DM events, escalation events), and an agent reading 事件 in
  the incident list and in a case's event log would take them for one thing. 突发事件 says what an
  incident is here, a sudden surge of one complaint; 事故 and 故障 (an accident, an outage) say more
  than the desk knows when it opens one.
* surge → 激增; usual/baseline → 往常 (the everyday word for "as usual", read as a figure:
  "客户数 / 往常"; 常态 and 基线 are the statistician's words); status update → 状态更新;
  root cause → 根本原因; rollup → 汇总.
* filter → 筛选 (to narrow a list: 筛选工单, 更多筛选), never 过滤/过滤器 (Django admin's word for
  its sidebar); the desk's "Filter" button carries a context, so the admin's translation of the
  bare word cannot take its place.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import crm_twitter

PO = Path(crm_twitter.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# concept: (the English word in a msgid, the chosen Chinese term, rejected synonyms)
GLOSSARY = {
    "case": (re.compile(r"\bcases?\b", re.IGNORECASE), "工单", ("案件", "个案", "票")),
    "you": (None, "您", ("你",)),
    # (de-escalation is 降级)
    "escalation": (re.compile(r"(?<!de-)\bescalat", re.IGNORECASE), "升级", ("上报", "升档")),
    "incident": (re.compile(r"\bincidents?\b", re.IGNORECASE), "突发事件", ("事故", "故障")),
    "surge": (re.compile(r"\bsurg(e|es|ed|ing)\b", re.IGNORECASE), "激增", ("暴增", "浪涌")),
    "usual": (re.compile(r"\b(usual|usually|baseline)\b", re.IGNORECASE), "往常", ("常态", "基线")),
    "status update": (re.compile(r"\bstatus updates?\b", re.IGNORECASE), "状态更新", ()),
    "root cause": (re.compile(r"\broot causes?\b", re.IGNORECASE), "根本原因", ("根因",)),
    "rollup": (re.compile(r"\brollups?\b", re.IGNORECASE), "汇总", ("上卷",)),
    "filter": (re.compile(r"\bfilter(s|ed|ing)?\b", re.IGNORECASE), "筛选", ("过滤",)),
}
# A placeholder such as %(case)s is not the word.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def translations() -> list[tuple[str, str]]:
    """(msgid, msgstr) of every translated entry, plural forms joined."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        msgstr = "".join(s for s in strings if s)
        if msgstr:
            pairs.append((msgid, msgstr))
    return pairs


def test_no_translation_uses_a_rejected_synonym():
    offenders = [
        f"{msgid!r} → {msgstr!r} uses {word} (the glossary says {chosen})"
        for msgid, msgstr in translations()
        for _pattern, chosen, rejected in GLOSSARY.values()
        for word in rejected
        if word in msgstr
    ]
    assert not offenders, "\n".join(offenders)


def test_every_string_about_a_case_or_an_escalation_uses_the_glossary_term():
    offenders = []
    for msgid, msgstr in translations():
        for concept, (pattern, chosen, _rejected) in GLOSSARY.items():
            if pattern is not None and pattern.search(PLACEHOLDER.sub("", msgid)) and chosen not in msgstr:
                offenders.append(f"{concept}: {msgid!r} → {msgstr!r} lacks {chosen}")
    assert not offenders, "\n".join(offenders)


def test_an_event_and_an_incident_keep_their_own_words():
    """事件 alone is an event; an incident is always 突发事件, and an event never is."""
    offenders = []
    for msgid, msgstr in translations():
        about_incident = GLOSSARY["incident"][0].search(msgid)
        bare_event = "事件" in msgstr.replace("突发事件", "")
        if bare_event and not re.search(r"\bevents?\b", msgid, re.IGNORECASE):
            offenders.append(f"{msgid!r} → {msgstr!r}: 事件 alone is an event; an incident is 突发事件")
        if "突发事件" in msgstr and not about_incident:
            offenders.append(f"{msgid!r} → {msgstr!r}: 突发事件 for something that is not an incident")
    assert not offenders, "\n".join(offenders)


def test_the_catalogue_is_big_enough_for_the_glossary_to_mean_something():
    pairs = translations()
    assert len(pairs) > 500
    assert sum("工单" in msgstr for _msgid, msgstr in pairs) > 100
