"""The one phased-fetch engine and one small module per synced list. Imports no Textual."""
