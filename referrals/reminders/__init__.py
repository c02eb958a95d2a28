"""The reminder engine of DESIGN §5.

- `steps`: which step a referral waits on and who must act on it.
- `calendar`: business days and reminder rounds.
- `scan`: finds late steps and creates Reminder rows (the outbox of reminders to send).
- `delivery`: sends one reminder, or one recipient's daily digest, at most once.
- `emails`: the e-mails themselves (reference number, step, due date, link; never PHI).
"""
