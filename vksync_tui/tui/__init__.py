"""The Textual face of the engine: dashboard, live sync panels, diff review, settings, list screens."""
