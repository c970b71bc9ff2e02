"""Rasa custom actions. Thin on purpose: each calls the domain code in bot/ and community_directory/."""
