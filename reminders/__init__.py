"""E-mail the product sends: one outbox, delivered at least once and, but for one window, once.

The reminder engine itself (late steps, scan, digests) still lives in `referrals.reminders`.
"""
