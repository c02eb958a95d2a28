"""Small building blocks that every app may use; this package imports no app of the project."""
