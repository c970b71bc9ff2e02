"""'What do you hold about me': the export now lives in `bot/records/access.py` (look-up by phone or
Telegram, every table, the Rasa transcript, the audit trail); this name is kept for older callers.

Erasing them ("forget me", retention) is a rule that crosses processes: `bot/policy/erasure.py`.
"""

from __future__ import annotations

from bot.records.access import export_person

__all__ = ["export_person"]
