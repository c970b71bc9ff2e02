"""Background jobs run by the application: follow-up check-ins and retention."""
