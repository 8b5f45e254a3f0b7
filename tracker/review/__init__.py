"""Review: people check machine-read figures (confirm, correct, reject) in the browser.

`log.py` keeps their decisions (append-only, data/review/decisions.jsonl); `tracker/view.py`
applies them to the ledger's current readings; `app.py` serves the review page.
"""
