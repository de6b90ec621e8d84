"""The seeded public acknowledgements lose their DM link and their request for the order number.

A link makes X bill the reply at the URL rate (and the desk's cost guard warned about its own
template); the customer often gave the order number in the tweet already. Only rows still holding
the old seeded text are changed: a desk's own edits are left alone. Reversible.
"""

from django.db import migrations

# (language, name, old body, new body)
ACKNOWLEDGEMENTS = [
    (
        "en",
        "Acknowledge, move to DM",
        "Hi {handle}, we're sorry to hear this and we're on it. Please send us a DM with your order number so we can look into it privately: {dm_link} {agent_signature}",
        "Hi {handle}, we're sorry to hear this and we're on it. Please send us a DM so we can look into it privately. {agent_signature}",
    ),
    (
        "zh",
        "确认并转私信",
        "{handle} 您好，非常抱歉给您带来不便，我们正在处理。请通过私信发送您的订单号，以便我们私下为您核查：{dm_link} {agent_signature}",
        "{handle} 您好，非常抱歉给您带来不便，我们正在处理。请给我们发私信，以便我们私下为您核查。{agent_signature}",
    ),
    (
        "es",
        "Acuse y paso a MD",
        "Hola {handle}, lamentamos lo ocurrido y ya lo estamos revisando. Envíanos un MD con tu número de pedido para verlo en privado: {dm_link} {agent_signature}",
        "Hola {handle}, lamentamos lo ocurrido y ya lo estamos revisando. Envíanos un MD para verlo en privado. {agent_signature}",
    ),
    (
        "de",
        "Bestätigung, weiter per DM",
        "Hallo {handle}, das tut uns leid – wir kümmern uns darum. Bitte schick uns deine Bestellnummer per DM, damit wir es vertraulich prüfen können: {dm_link} {agent_signature}",
        "Hallo {handle}, das tut uns leid – wir kümmern uns darum. Bitte schreib uns per DM, damit wir es vertraulich prüfen können. {agent_signature}",
    ),
    (
        "fr",
        "Accusé de réception, passage en MP",
        "Bonjour {handle}, nous sommes désolés et nous nous en occupons. Envoyez-nous votre numéro de commande en MP pour que nous puissions vérifier en privé : {dm_link} {agent_signature}",
        "Bonjour {handle}, nous sommes désolés et nous nous en occupons. Écrivez-nous en MP pour que nous puissions vérifier en privé. {agent_signature}",
    ),
    (
        "ja",
        "受付・DM誘導",
        "{handle} 様、ご不便をおかけして申し訳ございません。確認いたしますので、ご注文番号をDMでお送りください：{dm_link} {agent_signature}",
        "{handle} 様、ご不便をおかけして申し訳ございません。確認いたしますので、DMでご連絡ください。{agent_signature}",
    ),
]


def _swap(apps, *, forward: bool) -> None:
    ReplyTemplate = apps.get_model("crm_twitter", "ReplyTemplate")
    for language, name, old, new in ACKNOWLEDGEMENTS:
        was, becomes = (old, new) if forward else (new, old)
        ReplyTemplate.objects.filter(step="acknowledge", language=language, name=name, body=was).update(body=becomes)


def forwards(apps, schema_editor):
    _swap(apps, forward=True)


def backwards(apps, schema_editor):
    _swap(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0011_media_archive"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
