"""Views of the portal, one module per concern."""
