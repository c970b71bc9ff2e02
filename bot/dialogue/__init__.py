"""The application's side of the dialogue engine: its HTTP client and its conversation store."""
