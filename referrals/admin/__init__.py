"""The coordinator workspace in the Django admin, one module per concern:

- referral: the referral change list and change page (with `inlines` and `workflow_views`);
- bulk_actions: mark records received, remind now, export to CSV;
- patients, details (read-only parts of a referral; the SLA policy, holidays and reminders
  are in reminders/admin.py);
- access: the "Coordinators" group that role memberships give;
- queries: the workspace's reads (home page work queue), on the visibility layer.
"""

from django.contrib import admin

from referrals.admin import access, details, patients, referral  # noqa: F401  (registers)

admin.site.site_header = "Second Opinion Tracker"
admin.site.site_title = "Second Opinion Tracker"
admin.site.index_title = "Coordinator workspace"
# The change list and checklist are wide tables: they get the whole width.
admin.site.enable_nav_sidebar = False

access.connect_signals()
