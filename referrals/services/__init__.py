"""Services: every change to referrals and their parts goes through these functions."""
