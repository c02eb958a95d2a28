"""The rulebook (STYLE §2): every "may, must, sees" rule of the referrals, in four tables.

- `relations`: what a user is to a referral (referring oncologist, center coordinator, ...);
- `workflow`: states, actions, who may act, guards that say what is missing;
- `capabilities`: what else each relation may do, in which states;
- `visibility`: who sees a referral, in which states, and which of its parts;
- `steps`: what an open referral waits on now, whose turn it is, and its due date;
- `states`: the one set each of open, final and late states.
"""
