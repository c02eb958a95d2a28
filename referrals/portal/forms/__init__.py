"""Forms of the portal. They collect and clean input; the services decide what is allowed."""
