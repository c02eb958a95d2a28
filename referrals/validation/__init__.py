"""Rules on input that every interface shares (forms, serializers and services alike)."""
