"""Fixed texts the gateway sends itself, without the dialogue engine.

Short, plain and GSM-7 only: each fits one SMS segment (tests check this). The texts of rules
that cross processes (opting out and in, the crisis response) are in `bot/policy/`.
"""

HELP = (
    "This is a free service to help you find local groups and activities. "
    "It is not for emergencies: call 999. Text STOP to stop messages."
)
HOLDING = "Sorry, I am a bit slow right now. I have your message and will reply soon."
MEDIA_ONLY = "Sorry, I can only read text. Please send your message as words."
RATE_LIMITED = "You have sent a lot of messages. Please wait a minute, then try again."
# While a link worker holds the conversation (bot/records/handoffs.py): told once, then on hand-back.
PERSON_REPLYING = "Thanks. A person from our team has your message and will reply here soon."
BACK_WITH_BOT = "Our team member has finished for now. You are back with the bot. Text HELP to see what I can do."
