"""The clinicians' web portal: server-rendered pages over the services and selectors."""
