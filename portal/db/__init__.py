"""The speed layer: statements, bulk writes and input checks that must equal what the ORM and the serializers do."""
