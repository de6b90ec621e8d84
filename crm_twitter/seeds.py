"""Seed data every desk starts with: complaint taxonomy, reply templates, roles, SLA policies.

Used by a data migration (with historical models) and by tests; edits made later in the admin
are never overwritten because seeding only creates what is missing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from crm_twitter.roles import ROLE_PERMISSIONS

CATEGORIES: list[dict[str, Any]] = [
    {
        "slug": "not-received",
        "name": gettext_noop("Not received"),
        "keywords": [
            "never arrived",
            "not received",
            "didn't arrive",
            "hasn't arrived",
            "where is my order",
            "lost",
            "没收到",
            "未收到",
            "丢件",
            "no ha llegado",
            "no llegó",
            "nicht angekommen",
            "nie angekommen",
            "pas reçu",
            "jamais reçu",
            "届かない",
            "届いていない",
            "未着",
        ],
    },
    {
        "slug": "delivery-delay",
        "name": gettext_noop("Delivery delay"),
        "keywords": [
            "late",
            "delayed",
            "delay",
            "still waiting",
            "weeks",
            "stuck in transit",
            "延迟",
            "还没到",
            "太慢",
            "retraso",
            "tarde",
            "verspätet",
            "verzögert",
            "retard",
            "en retard",
            "遅れ",
            "遅延",
        ],
    },
    {
        "slug": "damaged",
        "name": gettext_noop("Damaged"),
        "keywords": [
            "damaged",
            "broken",
            "cracked",
            "smashed",
            "crushed",
            "损坏",
            "坏了",
            "破损",
            "dañado",
            "roto",
            "beschädigt",
            "kaputt",
            "endommagé",
            "cassé",
            "壊れ",
            "破損",
        ],
    },
    {
        "slug": "not-as-described",
        "name": gettext_noop("Not as described"),
        "keywords": [
            "not as described",
            "looks nothing like",
            "different from the picture",
            "fake photos",
            "与描述不符",
            "不一样",
            "no es como",
            "diferente",
            "nicht wie beschrieben",
            "anders als",
            "pas conforme",
            "différent",
            "説明と違う",
            "写真と違う",
        ],
    },
    {
        "slug": "wrong-or-missing-item",
        "name": gettext_noop("Wrong or missing item"),
        "keywords": [
            "wrong item",
            "wrong size",
            "wrong colour",
            "wrong color",
            "missing item",
            "missing",
            "发错",
            "少了",
            "漏发",
            "artículo equivocado",
            "falta",
            "falscher artikel",
            "fehlt",
            "mauvais article",
            "manquant",
            "違う商品",
            "足りない",
            "入っていない",
        ],
    },
    {
        "slug": "refund-delay",
        "name": gettext_noop("Refund delay"),
        "keywords": [
            "refund",
            "money back",
            "still no refund",
            "退款",
            "还没退",
            "reembolso",
            "devolución del dinero",
            "rückerstattung",
            "erstattung",
            "geld zurück",
            "remboursement",
            "返金",
        ],
    },
    {
        "slug": "return-exchange",
        "name": gettext_noop("Return / exchange problem"),
        "keywords": [
            "return label",
            "return",
            "exchange",
            "退货",
            "换货",
            "devolver",
            "cambio",
            "rücksendung",
            "umtausch",
            "retour",
            "échange",
            "返品",
            "交換",
        ],
    },
    {
        "slug": "customs-duties",
        "name": gettext_noop("Customs and duties"),
        "keywords": [
            "customs",
            "duties",
            "import tax",
            "vat",
            "关税",
            "海关",
            "aduana",
            "impuestos",
            "zoll",
            "einfuhrumsatzsteuer",
            "douane",
            "droits de douane",
            "関税",
            "税関",
        ],
    },
    {
        "slug": "payment-double-charge",
        "name": gettext_noop("Payment / double charge"),
        "keywords": [
            "charged twice",
            "double charge",
            "double charged",
            "overcharged",
            "payment",
            "扣了两次",
            "重复扣款",
            "cobrado dos veces",
            "doppelt abgebucht",
            "doppelt belastet",
            "débité deux fois",
            "二重請求",
            "二重に引き落とされ",
        ],
    },
    {
        "slug": "counterfeit-quality",
        "name": gettext_noop("Counterfeit / quality"),
        "keywords": [
            "fake",
            "counterfeit",
            "poor quality",
            "cheap",
            "falls apart",
            "假货",
            "质量差",
            "falso",
            "mala calidad",
            "fälschung",
            "schlechte qualität",
            "contrefaçon",
            "mauvaise qualité",
            "偽物",
            "品質が悪い",
        ],
    },
    {
        "slug": "warranty",
        "name": gettext_noop("Warranty"),
        "keywords": [
            "warranty",
            "guarantee",
            "stopped working",
            "保修",
            "坏掉",
            "garantía",
            "dejó de funcionar",
            "garantie",
            "funktioniert nicht mehr",
            "ne fonctionne plus",
            "保証",
            "動かなくなった",
        ],
    },
    {"slug": "other", "name": gettext_noop("Other"), "keywords": []},
]

DM_LINK = "{dm_link}"

# (step, channel, language, name, body)
# The public acknowledgement carries no link (a link makes X charge the post at the URL rate, and
# the desk's cost guard then warns about the desk's own template) and asks for no order number:
# the customer often gave it in the tweet, and the DM step asks for what is still missing.
TEMPLATES: list[tuple[str, str, str, str, str]] = [
    (
        "acknowledge",
        "public",
        "en",
        "Acknowledge, move to DM",
        "Hi {handle}, we're sorry to hear this and we're on it. Please send us a DM so we can look "
        "into it privately. {agent_signature}",
    ),
    (
        "acknowledge",
        "public",
        "zh",
        "确认并转私信",
        "{handle} 您好，非常抱歉给您带来不便，我们正在处理。请给我们发私信，以便我们私下为您核查。{agent_signature}",
    ),
    (
        "acknowledge",
        "public",
        "es",
        "Acuse y paso a MD",
        "Hola {handle}, lamentamos lo ocurrido y ya lo estamos revisando. Envíanos un MD para verlo en "
        "privado. {agent_signature}",
    ),
    (
        "acknowledge",
        "public",
        "de",
        "Bestätigung, weiter per DM",
        "Hallo {handle}, das tut uns leid – wir kümmern uns darum. Bitte schreib uns per DM, damit wir es "
        "vertraulich prüfen können. {agent_signature}",
    ),
    (
        "acknowledge",
        "public",
        "fr",
        "Accusé de réception, passage en MP",
        "Bonjour {handle}, nous sommes désolés et nous nous en occupons. Écrivez-nous en MP pour que nous "
        "puissions vérifier en privé. {agent_signature}",
    ),
    (
        "acknowledge",
        "public",
        "ja",
        "受付・DM誘導",
        "{handle} 様、ご不便をおかけして申し訳ございません。確認いたしますので、DMでご連絡ください。{agent_signature}",
    ),
    (
        "request_details",
        "dm",
        "en",
        "Ask for order details",
        "Thanks {name}! Could you send your order number, the e-mail used at checkout and a photo of the "
        "problem if you have one? {agent_signature}",
    ),
    (
        "request_details",
        "dm",
        "zh",
        "索取订单信息",
        "谢谢 {name}！请提供订单号、下单邮箱，以及问题的照片（如有）。{agent_signature}",
    ),
    (
        "request_details",
        "dm",
        "es",
        "Pedir datos del pedido",
        "¡Gracias {name}! ¿Nos envías el número de pedido, el correo de la compra y una foto del problema "
        "si la tienes? {agent_signature}",
    ),
    (
        "request_details",
        "dm",
        "de",
        "Bestelldaten erfragen",
        "Danke {name}! Schick uns bitte die Bestellnummer, die E-Mail-Adresse der Bestellung und, falls "
        "vorhanden, ein Foto des Problems. {agent_signature}",
    ),
    (
        "request_details",
        "dm",
        "fr",
        "Demander les détails",
        "Merci {name} ! Pouvez-vous nous envoyer le numéro de commande, l'e-mail utilisé et une photo du "
        "problème si possible ? {agent_signature}",
    ),
    (
        "request_details",
        "dm",
        "ja",
        "注文情報の確認",
        "{name} 様、ありがとうございます。ご注文番号、ご購入時のメールアドレス、可能であれば問題の写真をお送りください。{agent_signature}",
    ),
    (
        "update",
        "dm",
        "en",
        "Progress update",
        "Hi {name}, a quick update on {order_number}: we're still working on it and will get back to you "
        "by {promise_due}. {agent_signature}",
    ),
    (
        "promise",
        "dm",
        "en",
        "Promise with deadline",
        "{name}, we've arranged this for order {order_number}. You'll have it by {promise_due}. {agent_signature}",
    ),
    (
        "resolve",
        "dm",
        "en",
        "Resolution",
        "{name}, your case {case_reference} is resolved. Thank you for your patience! {agent_signature}",
    ),
    (
        "public_close",
        "public",
        "en",
        "Public close",
        "Glad we could sort this out, {handle}! Thanks for your patience. {agent_signature}",
    ),
    ("public_close", "public", "zh", "公开结案", "{handle} 很高兴问题已经解决，感谢您的耐心！{agent_signature}"),
    (
        "public_close",
        "public",
        "es",
        "Cierre público",
        "¡Nos alegra haberlo resuelto, {handle}! Gracias por tu paciencia. {agent_signature}",
    ),
    (
        "public_close",
        "public",
        "de",
        "Öffentlicher Abschluss",
        "Schön, dass wir das lösen konnten, {handle}! Danke für deine Geduld. {agent_signature}",
    ),
    (
        "public_close",
        "public",
        "fr",
        "Clôture publique",
        "Ravis d'avoir pu régler cela, {handle} ! Merci pour votre patience. {agent_signature}",
    ),
    (
        "public_close",
        "public",
        "ja",
        "公開クローズ",
        "{handle} 様、解決できて何よりです。ご辛抱いただきありがとうございました。{agent_signature}",
    ),
    (
        "privacy_warning",
        "public",
        "en",
        "Please delete private data",
        "{handle} for your safety, please delete the tweet with your personal details and send them to us "
        "by DM instead: " + DM_LINK + " {agent_signature}",
    ),
    (
        "privacy_warning",
        "public",
        "zh",
        "请删除隐私信息",
        "{handle} 为了您的安全，请删除包含个人信息的推文，并通过私信发送给我们：" + DM_LINK + " {agent_signature}",
    ),
    (
        "privacy_warning",
        "public",
        "es",
        "Borra los datos privados",
        "{handle} por tu seguridad, borra el tuit con tus datos personales y envíanoslos por MD: "
        + DM_LINK
        + " {agent_signature}",
    ),
    (
        "privacy_warning",
        "public",
        "de",
        "Bitte private Daten löschen",
        "{handle} zu deiner Sicherheit: Bitte lösche den Tweet mit deinen persönlichen Daten und schick sie "
        "uns per DM: " + DM_LINK + " {agent_signature}",
    ),
    (
        "privacy_warning",
        "public",
        "fr",
        "Supprimez les données privées",
        "{handle} pour votre sécurité, supprimez le tweet contenant vos données personnelles et envoyez-les "
        "en MP : " + DM_LINK + " {agent_signature}",
    ),
    (
        "privacy_warning",
        "public",
        "ja",
        "個人情報の削除のお願い",
        "{handle} 様、安全のため個人情報を含むツイートを削除し、DMでお送りください：" + DM_LINK + " {agent_signature}",
    ),
    (
        "satisfaction",
        "dm",
        "en",
        "Satisfaction survey",
        "{name}, how did we do? Reply with a number from 1 (poor) to 5 (excellent).",
    ),
    (
        "satisfaction",
        "dm",
        "zh",
        "满意度调查",
        "{name}，您对本次服务满意吗？请回复 1（很差）到 5（非常好）之间的数字。",
    ),
    (
        "satisfaction",
        "dm",
        "es",
        "Encuesta de satisfacción",
        "{name}, ¿qué tal lo hicimos? Responde con un número del 1 (mal) al 5 (excelente).",
    ),
    (
        "satisfaction",
        "dm",
        "de",
        "Zufriedenheitsumfrage",
        "{name}, wie zufrieden warst du? Antworte mit einer Zahl von 1 (schlecht) bis 5 (sehr gut).",
    ),
    (
        "satisfaction",
        "dm",
        "fr",
        "Enquête de satisfaction",
        "{name}, comment avons-nous fait ? Répondez par un chiffre de 1 (mauvais) à 5 (excellent).",
    ),
    (
        "satisfaction",
        "dm",
        "ja",
        "満足度アンケート",
        "{name} 様、今回の対応はいかがでしたか？1（不満）〜5（大変満足）の数字でご返信ください。",
    ),
    (
        "nudge_reply",
        "public",
        "en",
        "Answer to a public nudge",
        "Hi {handle}, sorry for the wait. We've replied in DM and are chasing this now. {agent_signature}",
    ),
]

# The incident steps (migration 0015): the public status update (``{incident}`` is the incident's
# title) and the reply to each linked customer, public or DM.
INCIDENT_TEMPLATES: list[tuple[str, str, str, str, str]] = [
    # --- the public status update (a post from the brand account) ---
    (
        "incident_status",
        "public",
        "en",
        "Incident status update",
        "We know some of you are affected by a problem ({incident}). We're working on it and will post "
        "an update here. If you wrote to us, we'll answer you directly. {agent_signature}",
    ),
    (
        "incident_status",
        "public",
        "zh",
        "突发事件状态更新",
        "我们已注意到部分用户受到一个问题的影响（{incident}）。我们正在处理，并会在此发布最新进展。"
        "如您已联系我们，我们会直接回复您。{agent_signature}",
    ),
    (
        "incident_status",
        "public",
        "es",
        "Actualización de incidencia",
        "Sabemos que algunos de vosotros estáis afectados por un problema ({incident}). Estamos "
        "trabajando en ello y publicaremos novedades aquí. Si nos escribiste, te responderemos "
        "directamente. {agent_signature}",
    ),
    (
        "incident_status",
        "public",
        "pt",
        "Atualização de incidente",
        "Sabemos que alguns de vocês foram afetados por um problema ({incident}). Estamos trabalhando "
        "nisso e publicaremos novidades aqui. Se você nos escreveu, vamos responder diretamente. "
        "{agent_signature}",
    ),
    (
        "incident_status",
        "public",
        "fr",
        "Point sur l'incident",
        "Nous savons que certains d'entre vous sont touchés par un problème ({incident}). Nous y "
        "travaillons et publierons un point ici. Si vous nous avez écrit, nous vous répondrons "
        "directement. {agent_signature}",
    ),
    (
        "incident_status",
        "public",
        "de",
        "Statusmeldung zur Störung",
        "Wir wissen, dass einige von euch von einem Problem betroffen sind ({incident}). Wir arbeiten "
        "daran und melden uns hier mit einem Update. Wer uns geschrieben hat, bekommt direkt eine "
        "Antwort. {agent_signature}",
    ),
    (
        "incident_status",
        "public",
        "ja",
        "障害のお知らせ",
        "一部のお客様に問題（{incident}）が発生していることを把握しております。現在対応中で、"
        "進捗はこちらでお知らせします。ご連絡いただいた方には個別にご返信いたします。{agent_signature}",
    ),
    # --- the reply to each linked customer, public ---
    (
        "incident_reply",
        "public",
        "en",
        "Incident reply (public)",
        "Hi {handle}, thanks for letting us know. This is part of a wider issue we're already working "
        "on, and we'll update you as soon as it's fixed. {agent_signature}",
    ),
    (
        "incident_reply",
        "public",
        "zh",
        "突发事件回复（公开）",
        "{handle} 您好，感谢您的反馈。这是我们正在处理的一个普遍问题的一部分，一旦解决我们会第一时间通知您。{agent_signature}",
    ),
    (
        "incident_reply",
        "public",
        "es",
        "Respuesta de incidencia (pública)",
        "Hola {handle}, gracias por avisarnos. Forma parte de un problema más amplio en el que ya "
        "estamos trabajando; te avisaremos en cuanto esté resuelto. {agent_signature}",
    ),
    (
        "incident_reply",
        "public",
        "pt",
        "Resposta de incidente (pública)",
        "Olá {handle}, obrigado por avisar. Isso faz parte de um problema mais amplo que já estamos "
        "resolvendo; avisaremos você assim que estiver corrigido. {agent_signature}",
    ),
    (
        "incident_reply",
        "public",
        "fr",
        "Réponse à l'incident (publique)",
        "Bonjour {handle}, merci de nous avoir prévenus. Cela fait partie d'un problème plus large sur "
        "lequel nous travaillons déjà ; nous vous tiendrons au courant dès qu'il sera réglé. {agent_signature}",
    ),
    (
        "incident_reply",
        "public",
        "de",
        "Antwort zur Störung (öffentlich)",
        "Hallo {handle}, danke für den Hinweis. Das gehört zu einem größeren Problem, an dem wir schon "
        "arbeiten; wir melden uns, sobald es behoben ist. {agent_signature}",
    ),
    (
        "incident_reply",
        "public",
        "ja",
        "障害への返信（公開）",
        "{handle} 様、ご連絡ありがとうございます。現在対応中の障害によるものです。解決しだいお知らせいたします。{agent_signature}",
    ),
    # --- the reply to each linked customer, by DM ---
    (
        "incident_reply",
        "dm",
        "en",
        "Incident reply (DM)",
        "Hi {name}, about your case {case_reference}: it is part of a wider issue we are already "
        "working on. We'll message you here as soon as it's fixed. {agent_signature}",
    ),
    (
        "incident_reply",
        "dm",
        "zh",
        "突发事件回复（私信）",
        "{name} 您好，关于您的工单 {case_reference}：这是我们正在处理的一个普遍问题的一部分。问题解决后我们会在此第一时间通知您。{agent_signature}",
    ),
    (
        "incident_reply",
        "dm",
        "es",
        "Respuesta de incidencia (MD)",
        "Hola {name}, sobre tu caso {case_reference}: forma parte de un problema más amplio en el que "
        "ya estamos trabajando. Te escribiremos aquí en cuanto esté resuelto. {agent_signature}",
    ),
    (
        "incident_reply",
        "dm",
        "pt",
        "Resposta de incidente (DM)",
        "Olá {name}, sobre o seu caso {case_reference}: ele faz parte de um problema mais amplo que já "
        "estamos resolvendo. Vamos escrever aqui assim que estiver corrigido. {agent_signature}",
    ),
    (
        "incident_reply",
        "dm",
        "fr",
        "Réponse à l'incident (MP)",
        "Bonjour {name}, au sujet de votre dossier {case_reference} : il fait partie d'un problème plus "
        "large sur lequel nous travaillons déjà. Nous vous écrirons ici dès qu'il sera réglé. {agent_signature}",
    ),
    (
        "incident_reply",
        "dm",
        "de",
        "Antwort zur Störung (DM)",
        "Hallo {name}, zu deinem Fall {case_reference}: Er gehört zu einem größeren Problem, an dem wir "
        "schon arbeiten. Wir schreiben dir hier, sobald es behoben ist. {agent_signature}",
    ),
    (
        "incident_reply",
        "dm",
        "ja",
        "障害への返信（DM）",
        "{name} 様、お問い合わせ {case_reference} について：現在対応中の障害によるものです。解決しだいこちらでご連絡いたします。{agent_signature}",
    ),
]

TEMPLATES += INCIDENT_TEMPLATES

SLA_POLICIES = {
    "urgent": (30, 60, 24 * 60),
    "high": (60, 4 * 60, 48 * 60),
    "normal": (4 * 60, 8 * 60, 72 * 60),
    "low": (8 * 60, 24 * 60, 7 * 24 * 60),
}


def seed_all(apps: Any) -> None:
    """Create whatever seed rows are missing (idempotent)."""
    Category = apps.get_model("crm_twitter", "ComplaintCategory")
    Template = apps.get_model("crm_twitter", "ReplyTemplate")
    SlaPolicy = apps.get_model("crm_twitter", "SlaPolicy")
    for order, row in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=row["slug"], defaults={"name": row["name"], "keywords": row["keywords"], "sort_order": order * 10}
        )
    for step, channel, language, name, body in TEMPLATES:
        Template.objects.get_or_create(
            step=step, language=language, name=name, defaults={"body": body, "channel": channel}
        )
    for priority, (first, nxt, resolution) in SLA_POLICIES.items():
        SlaPolicy.objects.get_or_create(
            priority=priority,
            defaults={"first_response_minutes": first, "next_response_minutes": nxt, "resolution_minutes": resolution},
        )


def seed_groups(apps: Any) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():  # the groups and their permissions: crm_twitter.roles
        group, _ = Group.objects.get_or_create(name=role.value)
        perms = Permission.objects.filter(content_type__app_label="crm_twitter", codename__in=codenames)
        group.permissions.add(*perms)
