"""The audit log, below every domain that writes to it (consultations, accounts, moderation...).

It imports nothing but ``core``; domains record their decisions with :func:`record`.
"""
from roadmap.audit.log import record, verify_chain

__all__ = ["record", "verify_chain"]
