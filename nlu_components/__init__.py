"""Custom Rasa NLU components, loaded by Rasa from the project root (config.yml names them)."""
