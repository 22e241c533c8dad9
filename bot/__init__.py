"""Core of the borrower-rights bot: knowledge base, normalisation, matching. Knows nothing about Telegram."""
