"""Reminders (DESIGN §5): the reminder engine and the one outbox of the e-mail the product sends.

- `models`: the SLA policy, holidays, reminders, and the outbox (`OutgoingEmail`).
- `calendar`: business days and reminder rounds; `sla`: due dates from the SLA policy.
- `steps`: which step a referral waits on and who must act on it (read from the rulebook).
- `scan`: finds late steps and creates Reminder rows (the outbox of reminders to send).
- `delivery`: sends one reminder, or one recipient's daily digest, at most once.
- `emails`: the reminder e-mails themselves (reference number, step, due date, link; never PHI).
- `services`: the scan and re-queue entry points of the tasks and the `scan_reminders` command.
- `manual`: "send a reminder now", the coordinator's button.
- `outbox`, `mail`: every e-mail, delivered at least once and, but for one window, once.
- `tasks`, `admin`, `management/commands` (`scan_reminders`, `load_holidays`): interfaces.
"""
