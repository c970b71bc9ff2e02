"""Fixed texts the gateway sends itself, without the dialogue engine.

Short, plain and GSM-7 only: each fits one SMS segment (tests check this).
"""

OPTED_OUT = "You will not get any more messages from us. Text START if you want to use this service again."
OPTED_IN = "Welcome back. You can text us again now. Text HELP to find out what we do."
HELP = (
    "This is a free service to help you find local groups and activities. "
    "It is not for emergencies: call 999. Text STOP to stop messages."
)
HOLDING = "Sorry, I am a bit slow right now. I have your message and will reply soon."
MEDIA_ONLY = "Sorry, I can only read text. Please send your message as words."
RATE_LIMITED = "You have sent a lot of messages. Please wait a minute, then try again."
