"""Text rules every bot message obeys: GSM-7 and SMS segments, reading age."""
