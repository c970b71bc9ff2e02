"""The public HSDS 3.0 / Open Referral UK API over the community directory (mounted at /api)."""

from bot.api.hsds import router

__all__ = ["router"]
