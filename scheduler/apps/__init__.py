"""Marathon-style apps: definitions, validation, JSON, task infos and groups (pure logic)."""
