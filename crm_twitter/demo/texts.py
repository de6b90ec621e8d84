# ruff: noqa: E501 - sentences read better unbroken
"""What the demo history's customers and agents say, in the desk's six languages.

Placeholders: ``{brand}`` and ``{exec}`` (handles with @), ``{order}``, ``{tracking}``, ``{name}``
(the customer's first name), ``{sig}`` (the agent's signature), ``{outcome}`` (an OUTCOME phrase).
"""

from __future__ import annotations

LANGUAGES = ("en", "zh", "es", "de", "fr", "ja")

# The customer's first public complaint, per language and complaint category.
COMPLAINTS: dict[str, dict[str, str]] = {
    "en": {
        "not-received": "{brand} tracking says delivered but my parcel never arrived. Nothing at the door, nothing with the neighbours.",
        "delivery-delay": "{brand} my order has been stuck in transit for three weeks now. Still waiting, no updates at all.",
        "damaged": "{brand} my order arrived damaged, the box was crushed and the item inside is cracked. Not happy.",
        "not-as-described": "{brand} what I received looks nothing like the pictures on your site. Not as described at all.",
        "wrong-or-missing-item": "{brand} opened my parcel and it's the wrong item, and the cable is missing too.",
        "refund-delay": "{brand} you promised a refund two weeks ago and I still have no money back. When?",
        "return-exchange": "{brand} I've asked three times for a return label for an exchange. Nobody sends it.",
        "customs-duties": "{brand} I was asked to pay customs duties and import tax on delivery, your site said duties included!",
        "payment-double-charge": "{brand} I was charged twice for the same order. Please fix the double charge.",
        "counterfeit-quality": "{brand} this feels like a fake. Poor quality, the logo is peeling off after a week.",
        "warranty": "{brand} stopped working after two months. It's under warranty, how do I get it repaired?",
        "other": "{brand} can't log in to my account to see my order, the reset email never comes.",
    },
    "zh": {
        "not-received": "{brand} 物流显示已签收，但我根本没收到包裹。请尽快处理。",
        "delivery-delay": "{brand} 订单已经三周了还没到，物流一直卡在转运，太慢了。",
        "damaged": "{brand} 收到的商品损坏了，外箱被压扁，里面的东西也坏了。",
        "not-as-described": "{brand} 收到的东西和页面描述不一样，与描述不符，颜色也不对。",
        "wrong-or-missing-item": "{brand} 你们发错货了，而且还少了一个配件。",
        "refund-delay": "{brand} 我三周前就退货了，到现在还没退款，请给个说法。",
        "return-exchange": "{brand} 申请换货一周了，一直没有人给我退货地址。",
        "customs-duties": "{brand} 快递要我付关税，下单时说好包税的，海关的钱谁出？",
        "payment-double-charge": "{brand} 同一个订单扣了两次款，重复扣款请马上处理。",
        "counterfeit-quality": "{brand} 这个质量太差了，感觉是假货，用了一周就坏了。",
        "warranty": "{brand} 用了两个月就坏掉了，还在保修期内，怎么申请保修？",
        "other": "{brand} 我的账号登录不了，看不到订单信息。",
    },
    "es": {
        "not-received": "{brand} el seguimiento dice entregado pero mi pedido no ha llegado. ¿Dónde está?",
        "delivery-delay": "{brand} llevo tres semanas esperando mi pedido, ¡qué retraso! Nadie me dice nada.",
        "damaged": "{brand} mi pedido llegó dañado, la caja aplastada y el producto roto.",
        "not-as-described": "{brand} lo que recibí no es como en las fotos, es totalmente diferente.",
        "wrong-or-missing-item": "{brand} me enviaron un artículo equivocado y además falta una pieza.",
        "refund-delay": "{brand} devolví el pedido hace tres semanas y sigo sin reembolso.",
        "return-exchange": "{brand} quiero hacer un cambio de talla y nadie me manda la etiqueta para devolver.",
        "customs-duties": "{brand} me cobraron aduana e impuestos al recibir, ¡y decían que estaba todo incluido!",
        "payment-double-charge": "{brand} me han cobrado dos veces el mismo pedido. Arreglen esto ya.",
        "counterfeit-quality": "{brand} esto parece falso, mala calidad, se rompió en una semana.",
        "warranty": "{brand} dejó de funcionar a los dos meses, está en garantía. ¿Qué hago?",
        "other": "{brand} no puedo entrar en mi cuenta para ver el pedido.",
    },
    "de": {
        "not-received": "{brand} laut Sendungsverfolgung zugestellt, aber das Paket ist nie angekommen.",
        "delivery-delay": "{brand} meine Bestellung ist seit drei Wochen verspätet und hängt im Transit fest.",
        "damaged": "{brand} die Lieferung kam beschädigt an, Karton zerdrückt, Gerät kaputt.",
        "not-as-described": "{brand} der Artikel ist nicht wie beschrieben, ganz anders als auf den Fotos.",
        "wrong-or-missing-item": "{brand} falscher Artikel geliefert und das Ladekabel fehlt auch.",
        "refund-delay": "{brand} Rücksendung vor drei Wochen, immer noch keine Rückerstattung. Wann kommt mein Geld zurück?",
        "return-exchange": "{brand} ich warte seit einer Woche auf das Etikett für die Rücksendung zum Umtausch.",
        "customs-duties": "{brand} ich musste Zoll und Einfuhrumsatzsteuer zahlen, obwohl es hieß, alles inklusive!",
        "payment-double-charge": "{brand} der Betrag wurde doppelt abgebucht. Bitte sofort korrigieren.",
        "counterfeit-quality": "{brand} das ist eine Fälschung oder einfach schlechte Qualität, nach einer Woche hinüber.",
        "warranty": "{brand} funktioniert nicht mehr nach zwei Monaten, Garantie – wie geht das bei euch?",
        "other": "{brand} ich komme nicht mehr in mein Kundenkonto.",
    },
    "fr": {
        "not-received": "{brand} le suivi indique livré mais je n'ai jamais reçu mon colis.",
        "delivery-delay": "{brand} ma commande est en retard de trois semaines, aucune nouvelle.",
        "damaged": "{brand} colis arrivé endommagé, l'article est cassé. Inacceptable.",
        "not-as-described": "{brand} l'article n'est pas conforme, complètement différent des photos.",
        "wrong-or-missing-item": "{brand} j'ai reçu le mauvais article et il manque un accessoire.",
        "refund-delay": "{brand} retour envoyé il y a trois semaines, toujours pas de remboursement.",
        "return-exchange": "{brand} impossible d'obtenir l'étiquette retour pour un échange de taille.",
        "customs-duties": "{brand} on m'a réclamé des droits de douane à la livraison, c'était censé être inclus !",
        "payment-double-charge": "{brand} j'ai été débité deux fois pour la même commande.",
        "counterfeit-quality": "{brand} mauvaise qualité, on dirait une contrefaçon, déjà abîmé.",
        "warranty": "{brand} ne fonctionne plus au bout de deux mois, c'est sous garantie non ?",
        "other": "{brand} impossible de me connecter à mon compte pour suivre ma commande.",
    },
    "ja": {
        "not-received": "{brand} 配達済みになっているのに荷物が届いていません。確認してください。",
        "delivery-delay": "{brand} 注文から3週間、配送が遅れています。いつ届きますか？",
        "damaged": "{brand} 届いた商品が破損していました。箱もつぶれていて壊れています。",
        "not-as-described": "{brand} 届いた商品が写真と違います。説明と違う商品です。",
        "wrong-or-missing-item": "{brand} 違う商品が届きました。付属品も入っていないです。",
        "refund-delay": "{brand} 返品して3週間たちますが、まだ返金がありません。",
        "return-exchange": "{brand} サイズ交換の返品ラベルがいつまでも届きません。",
        "customs-duties": "{brand} 受け取り時に関税を請求されました。税込みと書いてありましたよね？",
        "payment-double-charge": "{brand} 同じ注文で二重請求されています。至急対応してください。",
        "counterfeit-quality": "{brand} 品質が悪すぎます。偽物ではないですか？一週間で壊れました。",
        "warranty": "{brand} 2か月で動かなくなった。保証期間内ですが修理はどうすれば？",
        "other": "{brand} アカウントにログインできず、注文が確認できません。",
    },
}

# What a customer adds when they post the order number in public (a privacy slip the desk flags).
ORDER_IN_PUBLIC = {
    "en": " Order {order}, tracking {tracking}.",
    "zh": " 订单号 {order}，运单号 {tracking}。",
    "es": " Pedido {order}, seguimiento {tracking}.",
    "de": " Bestellung {order}, Sendungsnummer {tracking}.",
    "fr": " Commande {order}, suivi {tracking}.",
    "ja": " 注文番号 {order}、追跡番号 {tracking}。",
}

ACK_PUBLIC = {
    "en": "Hi {name}, we're sorry to hear this and we're on it. Please send us a DM with your order number. {sig}",
    "zh": "{name} 您好，非常抱歉给您带来不便。请私信发送您的订单号，我们马上核查。{sig}",
    "es": "Hola {name}, sentimos mucho lo ocurrido. Envíanos un DM con tu número de pedido y lo revisamos. {sig}",
    "de": "Hallo {name}, das tut uns leid! Schick uns bitte eine DM mit deiner Bestellnummer. {sig}",
    "fr": "Bonjour {name}, désolés pour ce souci. Envoyez-nous un DM avec votre numéro de commande. {sig}",
    "ja": "{name} 様、ご迷惑をおかけし申し訳ございません。注文番号をDMでお知らせください。{sig}",
}

# A public answer for cases settled without moving to DM (information only).
INFO_PUBLIC = {
    "en": "Hi {name}, thanks for flagging this. Here is what happened and what to do next — we've also updated our help page. {sig}",
    "zh": "{name} 您好，感谢反馈。我们已在帮助中心更新了说明，具体处理方式如下。{sig}",
    "es": "Hola {name}, gracias por avisar. Te explicamos qué pasó y los próximos pasos en nuestra página de ayuda. {sig}",
    "de": "Hallo {name}, danke für den Hinweis. Die Erklärung und die nächsten Schritte findest du auf unserer Hilfeseite. {sig}",
    "fr": "Bonjour {name}, merci du signalement. Voici l'explication et la marche à suivre sur notre page d'aide. {sig}",
    "ja": "{name} 様、ご連絡ありがとうございます。経緯と今後の手順をヘルプページに掲載しました。{sig}",
}

CUSTOMER_DM = {
    "en": "Hi, it's order {order}. Tracking {tracking}.",
    "zh": "你好，订单号 {order}，运单号 {tracking}。",
    "es": "Hola, el pedido es {order}. Seguimiento {tracking}.",
    "de": "Hallo, Bestellnummer {order}, Sendungsnummer {tracking}.",
    "fr": "Bonjour, commande {order}, numéro de suivi {tracking}.",
    "ja": "注文番号は {order}、追跡番号は {tracking} です。",
}

BRAND_DM = {
    "en": "Thanks {name}, I've found your order and I'm checking with the warehouse and the carrier. {sig}",
    "zh": "谢谢 {name}，已查到您的订单，正在与仓库和物流核实。{sig}",
    "es": "Gracias {name}, ya tengo tu pedido y lo estoy revisando con el almacén y la paquetería. {sig}",
    "de": "Danke {name}, ich habe die Bestellung gefunden und kläre das mit Lager und Versanddienst. {sig}",
    "fr": "Merci {name}, j'ai retrouvé votre commande et je vérifie avec l'entrepôt et le transporteur. {sig}",
    "ja": "{name} 様、ご注文を確認しました。倉庫と配送業者に確認いたします。{sig}",
}

NUDGE = {
    "en": "{brand} still waiting for an answer in DM… days now. Anyone there?",
    "zh": "{brand} 私信好几天了都没人回复，还有人处理吗？",
    "es": "{brand} sigo esperando respuesta por DM desde hace días. ¿Hay alguien?",
    "de": "{brand} warte seit Tagen auf eine Antwort per DM. Hallo?",
    "fr": "{brand} toujours aucune réponse en DM depuis des jours. Il y a quelqu'un ?",
    "ja": "{brand} DMの返信を何日も待っています。対応してもらえますか？",
}

EXEC_MENTION = {
    "en": "{exec} {brand} is anyone at your company actually handling complaints? Weeks and no fix.",
    "zh": "{exec} {brand} 你们公司到底有没有人处理投诉？几周了还没解决。",
    "es": "{exec} {brand} ¿alguien en la empresa atiende reclamaciones? Semanas sin solución.",
    "de": "{exec} {brand} kümmert sich bei euch eigentlich jemand um Beschwerden? Seit Wochen nichts.",
    "fr": "{exec} {brand} quelqu'un traite les réclamations chez vous ? Des semaines sans solution.",
    "ja": "{exec} {brand} 苦情に対応している人はいますか？何週間も解決しません。",
}

RISK = {
    "en": " If this isn't sorted by Friday I'm filing a chargeback.",
    "zh": " 再不解决我就申请信用卡拒付。",
    "es": " Si no se resuelve, abriré una disputa con PayPal.",
    "de": " Sonst buche ich das per Chargeback zurück.",
    "fr": " Sinon je fais opposition auprès de ma banque (chargeback).",
    "ja": " 解決しなければチャージバックします。",
}

OUTCOME = {
    "en": {
        "refund": "we've refunded the order in full to your original payment method",
        "partial_refund": "we've sent a partial refund as a goodwill gesture",
        "replacement": "a replacement is on its way with tracking",
        "reship": "we've reshipped your order by express",
        "return_accepted": "your return is accepted; the prepaid label is in your inbox",
        "information_only": "here is what happened and what to do next",
        "declined": "the carrier's proof of delivery shows it was signed for, so we can't refund this time",
    },
    "zh": {
        "refund": "已全额退款至您的原支付方式",
        "partial_refund": "我们已为您办理部分退款作为补偿",
        "replacement": "新的商品已寄出，附运单号",
        "reship": "我们已为您加急补发",
        "return_accepted": "退货已受理，预付退货标签已发送到您的邮箱",
        "information_only": "具体原因和后续步骤如下",
        "declined": "物流签收证明显示已签收，此次无法退款",
    },
    "es": {
        "refund": "te hemos reembolsado el pedido completo",
        "partial_refund": "te hemos hecho un reembolso parcial como compensación",
        "replacement": "tu reemplazo ya va en camino",
        "reship": "hemos reenviado tu pedido por exprés",
        "return_accepted": "aceptamos la devolución; tienes la etiqueta prepagada en tu correo",
        "information_only": "te explicamos qué pasó y los siguientes pasos",
        "declined": "la paquetería tiene firma de entrega, así que esta vez no podemos reembolsar",
    },
    "de": {
        "refund": "wir haben die Bestellung vollständig erstattet",
        "partial_refund": "wir haben dir eine Teilerstattung als Entschädigung überwiesen",
        "replacement": "ein Ersatz ist mit Sendungsnummer unterwegs",
        "reship": "wir haben die Bestellung per Express neu verschickt",
        "return_accepted": "die Rücksendung ist genehmigt, das Etikett ist in deinem Postfach",
        "information_only": "hier die Erklärung und die nächsten Schritte",
        "declined": "laut Zustellnachweis wurde unterschrieben, daher können wir diesmal nicht erstatten",
    },
    "fr": {
        "refund": "nous avons remboursé la commande en totalité",
        "partial_refund": "nous avons effectué un remboursement partiel en geste commercial",
        "replacement": "un article de remplacement est en route",
        "reship": "nous avons réexpédié votre commande en express",
        "return_accepted": "votre retour est accepté, l'étiquette prépayée est dans votre boîte mail",
        "information_only": "voici l'explication et la marche à suivre",
        "declined": "la preuve de livraison est signée, nous ne pouvons pas rembourser cette fois",
    },
    "ja": {
        "refund": "ご注文の全額を返金いたしました",
        "partial_refund": "お詫びとして一部返金いたしました",
        "replacement": "交換品を追跡番号付きで発送しました",
        "reship": "速達で再送いたしました",
        "return_accepted": "返品を承りました。返送ラベルをメールでお送りしました",
        "information_only": "経緯と今後の手順をご案内します",
        "declined": "配達業者の受領サインが確認できたため、今回は返金いたしかねます",
    },
}

RESOLVE_DM = {
    "en": "{name}, good news: {outcome}. Sorry again for the trouble. {sig}",
    "zh": "{name}，{outcome}。再次抱歉给您带来不便。{sig}",
    "es": "{name}, {outcome}. Perdona de nuevo las molestias. {sig}",
    "de": "{name}, {outcome}. Entschuldige nochmals den Ärger. {sig}",
    "fr": "{name}, {outcome}. Encore désolés pour le désagrément. {sig}",
    "ja": "{name} 様、{outcome}。ご迷惑をおかけしました。{sig}",
}

SURVEY_DM = {
    "en": "{name}, how did we do? Reply with a number from 1 (poor) to 5 (excellent).",
    "zh": "{name}，请为本次服务打分：回复 1（很差）到 5（很好）。",
    "es": "{name}, ¿qué tal lo hicimos? Responde con un número del 1 (mal) al 5 (excelente).",
    "de": "{name}, wie zufrieden bist du? Antworte mit einer Zahl von 1 (schlecht) bis 5 (sehr gut).",
    "fr": "{name}, comment avons-nous fait ? Répondez par un chiffre de 1 (mauvais) à 5 (excellent).",
    "ja": "{name} 様、今回の対応はいかがでしたか？1（不満）〜5（大変満足）の数字でご返信ください。",
}

THANKS = {
    "en": "{brand} all sorted, thanks for the quick help 👍",
    "zh": "{brand} 问题已解决，谢谢！👍",
    "es": "{brand} ya está todo resuelto, ¡gracias! 👍",
    "de": "{brand} alles erledigt, danke für die schnelle Hilfe 👍",
    "fr": "{brand} tout est réglé, merci pour votre aide 👍",
    "ja": "{brand} 解決しました。迅速な対応ありがとうございました👍",
}

SPAM = {
    "en": "{brand} 10k real followers for $5!!! DM me now",
    "zh": "{brand} 低价代购 加微信",
    "es": "{brand} ¡Gana dinero desde casa! Link en mi perfil",
    "de": "{brand} Gewinnspiel!!! Jetzt klicken",
    "fr": "{brand} Gagnez un iPhone, cliquez ici",
    "ja": "{brand} 副業で月収100万！プロフィールのリンクへ",
}

# Evidence photos' alt texts per category (the customer attached a photo).
PHOTO = {
    "damaged": "Photo of the crushed box and the cracked item",
    "not-as-described": "Photo of the item next to the product page",
    "wrong-or-missing-item": "Photo of the parcel contents and the packing slip",
    "counterfeit-quality": "Close-up of the peeling logo",
    "not-received": "Screenshot of the tracking page saying delivered",
    "delivery-delay": "Screenshot of the tracking stuck in transit",
    "payment-double-charge": "Bank statement showing the same charge twice",
    "customs-duties": "Photo of the carrier's duties invoice",
    "warranty": "Video of the device not turning on",
}

# Given names per language (family names are not needed on X).
NAMES = {
    "en": [
        "Emily",
        "James",
        "Olivia",
        "Noah",
        "Grace",
        "Liam",
        "Chloe",
        "Ethan",
        "Hannah",
        "Jack",
        "Zoe",
        "Ryan",
        "Amelia",
        "Dylan",
        "Isla",
        "Marcus",
        "Sophie",
        "Aaron",
        "Megan",
        "Tyler",
        "Priya",
        "Kwame",
        "Aisha",
        "Dev",
    ],
    "zh": ["晓明", "丽娜", "子轩", "雨桐", "浩然", "欣怡", "思远", "佳怡", "俊杰", "梦瑶", "志强", "婷婷"],
    "es": [
        "Sofía",
        "Mateo",
        "Valentina",
        "Santiago",
        "Camila",
        "Diego",
        "Lucía",
        "Javier",
        "Martina",
        "Andrés",
        "Paula",
        "Alejandro",
    ],
    "de": ["Lukas", "Lea", "Finn", "Mia", "Paul", "Hanna", "Felix", "Laura", "Maximilian", "Sophie", "Tim", "Julia"],
    "fr": ["Léa", "Hugo", "Chloé", "Louis", "Manon", "Lucas", "Inès", "Théo", "Camille", "Nathan", "Sarah", "Jules"],
    "ja": ["陽菜", "蓮", "結衣", "大翔", "さくら", "湊", "美咲", "悠真", "葵", "颯太", "凛", "翔太"],
}
ROMAN = {
    "zh": [
        "xiaoming",
        "lina",
        "zixuan",
        "yutong",
        "haoran",
        "xinyi",
        "siyuan",
        "jiayi",
        "junjie",
        "mengyao",
        "zhiqiang",
        "tingting",
    ],
    "ja": ["hina", "ren", "yui", "hiroto", "sakura", "minato", "misaki", "yuma", "aoi", "sota", "rin", "shota"],
}
