"""Reading customers' messages: language, complaint category, risk signals and private data.

Everything here is pure computation on text (no database access), so the ingest path, the
inbox, the API and the ``crm_twitter_classify`` command all read messages the same way:

* ``language``   — offline language identification for DMs and tweets X labels ``und``;
* ``backends``   — the category classifier's interface and the shipped scikit-learn backend;
* ``model_store``— which trained model is in force (the shipped file or a desk-trained version);
* ``risk``       — risk signals with a kind (chargeback, regulator…), negation-aware;
* ``reading``    — one call that reads a batch of messages for all four at once;
* ``corpus`` / ``evaluation`` — the labelled corpus the shipped model is trained from, and the
  figures (per category, per language) every model is judged by.

Learning from agents (labels, retraining, promotion) touches the database and lives in
``crm_twitter.services.categorisation``.
"""
